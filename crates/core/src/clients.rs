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
        assert_eq!(CLIENTS.len(), 12);
    }
}
