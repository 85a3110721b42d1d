//! The agent clients skillreg installs into and where each keeps its skills (docs/FORMATS.md,
//! "Agent clients"). Pure data: finding the home folder is the caller's job.

use std::fmt;
use std::str::FromStr;

/// Whether a skill goes into the user's folders or the project's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum InstallScope {
    /// Under the home folder (the default).
    #[default]
    User,
    /// Under the project root.
    Project,
}

impl FromStr for InstallScope {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "user" => Ok(InstallScope::User),
            "project" => Ok(InstallScope::Project),
            other => Err(format!("unknown scope `{other}`; use user or project")),
        }
    }
}

impl fmt::Display for InstallScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InstallScope::User => "user",
            InstallScope::Project => "project",
        })
    }
}

/// One agent client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AgentClient {
    id: &'static str,
    user_dir: &'static str,
    project_dir: &'static str,
}

/// Every client, in table order.
pub const CLIENTS: &[AgentClient] = &[
    AgentClient {
        id: "claude-code",
        user_dir: ".claude/skills",
        project_dir: ".claude/skills",
    },
    AgentClient {
        id: "codex",
        user_dir: ".codex/skills",
        project_dir: ".agents/skills",
    },
    AgentClient {
        id: "cursor",
        user_dir: ".cursor/skills",
        project_dir: ".cursor/skills",
    },
    AgentClient {
        id: "copilot",
        user_dir: ".copilot/skills",
        project_dir: ".github/skills",
    },
    AgentClient {
        id: "windsurf",
        user_dir: ".codeium/windsurf/skills",
        project_dir: ".windsurf/skills",
    },
    AgentClient {
        id: "cline",
        user_dir: ".cline/skills",
        project_dir: ".cline/skills",
    },
    AgentClient {
        id: "opencode",
        user_dir: ".config/opencode/skills",
        project_dir: ".opencode/skills",
    },
    AgentClient {
        id: "kiro",
        user_dir: ".kiro/skills",
        project_dir: ".kiro/skills",
    },
    AgentClient {
        id: "gemini-cli",
        user_dir: ".agents/skills",
        project_dir: ".agents/skills",
    },
    AgentClient {
        id: "goose",
        user_dir: ".agents/skills",
        project_dir: ".agents/skills",
    },
    AgentClient {
        id: "amp",
        user_dir: ".agents/skills",
        project_dir: ".agents/skills",
    },
    AgentClient {
        id: "factory",
        user_dir: ".factory/skills",
        project_dir: ".factory/skills",
    },
    // From here on, as `npx skills` (skills@1.7) places them; the ones above were first and
    // keep their folders.
    AgentClient {
        id: "aider-desk",
        user_dir: ".aider-desk/skills",
        project_dir: ".aider-desk/skills",
    },
    AgentClient {
        id: "augment",
        user_dir: ".augment/skills",
        project_dir: ".augment/skills",
    },
    AgentClient {
        id: "bob",
        user_dir: ".bob/skills",
        project_dir: ".bob/skills",
    },
    AgentClient {
        id: "codebuddy",
        user_dir: ".codebuddy/skills",
        project_dir: ".codebuddy/skills",
    },
    AgentClient {
        id: "command-code",
        user_dir: ".commandcode/skills",
        project_dir: ".commandcode/skills",
    },
    AgentClient {
        id: "continue",
        user_dir: ".continue/skills",
        project_dir: ".continue/skills",
    },
    AgentClient {
        id: "cortex",
        user_dir: ".snowflake/cortex/skills",
        project_dir: ".cortex/skills",
    },
    AgentClient {
        id: "crush",
        user_dir: ".config/crush/skills",
        project_dir: ".crush/skills",
    },
    AgentClient {
        id: "deepagents",
        user_dir: ".deepagents/agent/skills",
        project_dir: ".agents/skills",
    },
    AgentClient {
        id: "devin",
        user_dir: ".config/devin/skills",
        project_dir: ".devin/skills",
    },
    AgentClient {
        id: "firebender",
        user_dir: ".firebender/skills",
        project_dir: ".agents/skills",
    },
    AgentClient {
        id: "forgecode",
        user_dir: ".forge/skills",
        project_dir: ".forge/skills",
    },
    AgentClient {
        id: "grok",
        user_dir: ".grok/skills",
        project_dir: ".grok/skills",
    },
    AgentClient {
        id: "hermes-agent",
        user_dir: ".hermes/skills",
        project_dir: ".hermes/skills",
    },
    AgentClient {
        id: "iflow-cli",
        user_dir: ".iflow/skills",
        project_dir: ".iflow/skills",
    },
    AgentClient {
        id: "junie",
        user_dir: ".junie/skills",
        project_dir: ".junie/skills",
    },
    AgentClient {
        id: "kilo",
        user_dir: ".kilo/skills",
        project_dir: ".agents/skills",
    },
    AgentClient {
        id: "kimi-code-cli",
        user_dir: ".agents/skills",
        project_dir: ".agents/skills",
    },
    AgentClient {
        id: "kode",
        user_dir: ".kode/skills",
        project_dir: ".kode/skills",
    },
    AgentClient {
        id: "lingma",
        user_dir: ".lingma/skills",
        project_dir: ".lingma/skills",
    },
    AgentClient {
        id: "mistral-vibe",
        user_dir: ".vibe/skills",
        project_dir: ".vibe/skills",
    },
    AgentClient {
        id: "mux",
        user_dir: ".mux/skills",
        project_dir: ".mux/skills",
    },
    AgentClient {
        id: "neovate",
        user_dir: ".neovate/skills",
        project_dir: ".neovate/skills",
    },
    AgentClient {
        id: "ona",
        user_dir: ".ona/skills",
        project_dir: ".ona/skills",
    },
    AgentClient {
        id: "openhands",
        user_dir: ".openhands/skills",
        project_dir: ".openhands/skills",
    },
    AgentClient {
        id: "pi",
        user_dir: ".agents/skills",
        project_dir: ".agents/skills",
    },
    AgentClient {
        id: "pochi",
        user_dir: ".pochi/skills",
        project_dir: ".pochi/skills",
    },
    AgentClient {
        id: "qoder",
        user_dir: ".qoder/skills",
        project_dir: ".qoder/skills",
    },
    AgentClient {
        id: "qwen-code",
        user_dir: ".qwen/skills",
        project_dir: ".qwen/skills",
    },
    AgentClient {
        id: "roo",
        user_dir: ".roo/skills",
        project_dir: ".roo/skills",
    },
    AgentClient {
        id: "rovodev",
        user_dir: ".rovodev/skills",
        project_dir: ".rovodev/skills",
    },
    AgentClient {
        id: "tabnine-cli",
        user_dir: ".tabnine/agent/skills",
        project_dir: ".tabnine/agent/skills",
    },
    AgentClient {
        id: "trae",
        user_dir: ".trae/skills",
        project_dir: ".trae/skills",
    },
    AgentClient {
        id: "warp",
        user_dir: ".agents/skills",
        project_dir: ".agents/skills",
    },
    AgentClient {
        id: "zed",
        user_dir: ".agents/skills",
        project_dir: ".agents/skills",
    },
    AgentClient {
        id: "zencoder",
        user_dir: ".zencoder/skills",
        project_dir: ".zencoder/skills",
    },
];

impl AgentClient {
    /// The client's id (`claude-code`).
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// Its skills folder in `scope`, relative to the home folder or project root.
    pub fn skills_dir(&self, scope: InstallScope) -> &'static str {
        match scope {
            InstallScope::User => self.user_dir,
            InstallScope::Project => self.project_dir,
        }
    }

    /// The folder whose existence means the client is installed (the parent of its user
    /// skills folder, e.g. `.claude`).
    pub fn detection_dir(&self) -> &'static str {
        self.user_dir
            .rsplit_once('/')
            .map_or(self.user_dir, |(parent, _)| parent)
    }
}

impl FromStr for AgentClient {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        CLIENTS
            .iter()
            .copied()
            .find(|client| client.id == text)
            .ok_or_else(|| {
                let known: Vec<&str> = CLIENTS.iter().map(|c| c.id).collect();
                format!(
                    "unknown client `{text}`; known clients: {}",
                    known.join(", ")
                )
            })
    }
}

impl fmt::Display for AgentClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)
    }
}

/// The distinct skills folders of `clients` in `scope`: clients sharing a folder are written
/// once. Sorted, each with the clients it serves.
pub fn folders_for(
    clients: &[AgentClient],
    scope: InstallScope,
) -> Vec<(&'static str, Vec<AgentClient>)> {
    let mut folders: std::collections::BTreeMap<&'static str, Vec<AgentClient>> =
        std::collections::BTreeMap::new();
    for client in clients {
        let entry = folders.entry(client.skills_dir(scope)).or_default();
        if !entry.contains(client) {
            entry.push(*client);
        }
    }
    folders.into_iter().collect()
}

/// The clients found on this machine: those whose folder (the parent of its user skills
/// folder, `.claude`) `in_home` finds, and for a project also those whose project skills
/// folder (`.claude/skills`, `.github/skills`) `in_project` finds, in table order.
pub fn detect(
    scope: InstallScope,
    in_home: impl Fn(&str) -> bool,
    in_project: impl Fn(&str) -> bool,
) -> Vec<AgentClient> {
    CLIENTS
        .iter()
        .copied()
        .filter(|client| {
            in_home(client.detection_dir())
                || (scope == InstallScope::Project && in_project(client.project_dir))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_folders_are_written_once() {
        let clients: Vec<AgentClient> = ["gemini-cli", "goose", "amp", "codex"]
            .iter()
            .map(|c| c.parse().unwrap())
            .collect();
        let user = folders_for(&clients, InstallScope::User);
        assert_eq!(user.len(), 2);
        let project = folders_for(&clients, InstallScope::Project);
        assert_eq!(
            project.len(),
            1,
            "codex shares .agents/skills in project scope"
        );
        assert_eq!(project[0].1.len(), 4);
    }

    #[test]
    fn detection_looks_in_the_home_and_the_projects_folders() {
        let ids = |clients: Vec<AgentClient>| clients.iter().map(|c| c.id()).collect::<Vec<_>>();
        let home = |dir: &str| dir == ".cursor";
        let project = |dir: &str| matches!(dir, ".claude/skills" | ".github/skills");
        assert_eq!(ids(detect(InstallScope::User, home, project)), ["cursor"]);
        assert_eq!(
            ids(detect(InstallScope::Project, home, project)),
            ["claude-code", "cursor", "copilot"]
        );
        // A project's `.github` alone is no Copilot skills folder.
        let github = |dir: &str| dir == ".github";
        assert!(detect(InstallScope::Project, |_| false, github).is_empty());
    }

    #[test]
    fn table_lookups() {
        let copilot: AgentClient = "copilot".parse().unwrap();
        assert_eq!(copilot.skills_dir(InstallScope::Project), ".github/skills");
        assert_eq!(copilot.detection_dir(), ".copilot");
        let windsurf: AgentClient = "windsurf".parse().unwrap();
        assert_eq!(windsurf.detection_dir(), ".codeium/windsurf");
        assert!("vim".parse::<AgentClient>().is_err());
        assert_eq!(CLIENTS.len(), 48);
        let mut ids: Vec<&str> = CLIENTS.iter().map(AgentClient::id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CLIENTS.len(), "ids are unique");
    }
}
