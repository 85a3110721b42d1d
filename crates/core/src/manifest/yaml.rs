//! The frontmatter's YAML, read with bounds: the nesting of `[` and `{` is checked before
//! parsing, and a budget stops alias expansion (a few units per byte of input), so hostile
//! frontmatter costs bounded time and memory.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_yaml_ng::{Mapping, Value};

use super::{EXPANSION_PER_BYTE, MAX_FLOW_DEPTH, ManifestError};
use crate::text::sanitize_remote;

/// Parses the frontmatter into a [`Value`] after checking the nesting of `[` and `{`, and
/// with a budget that stops alias expansion.
pub(super) fn parse_yaml(frontmatter: &str) -> Result<Value, ManifestError> {
    if flow_depth(frontmatter) > MAX_FLOW_DEPTH {
        return Err(ManifestError::YamlTooDeep);
    }
    // The few extra units let an empty or one-word document be `null` or a scalar.
    let budget = Budget {
        left: Cell::new(EXPANSION_PER_BYTE * frontmatter.len() + 16),
        exhausted: Cell::new(false),
    };
    let deserializer = serde_yaml_ng::Deserializer::from_str(frontmatter);
    match (BudgetedValue { budget: &budget }).deserialize(deserializer) {
        Ok(value) => Ok(value),
        Err(_) if budget.exhausted.get() => Err(ManifestError::YamlAliasExpansion),
        Err(error) => Err(ManifestError::InvalidYaml(sanitize_remote(
            &error.to_string(),
        ))),
    }
}

/// The deepest run of `[` and `{` not yet closed, counting every bracket in the text: an
/// overestimate (brackets inside strings count too) that needs no parsing.
fn flow_depth(frontmatter: &str) -> usize {
    let mut depth: usize = 0;
    let mut deepest = 0;
    for byte in frontmatter.bytes() {
        match byte {
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// What is left of the work a frontmatter may cost, and whether it ran out.
#[derive(Debug)]
struct Budget {
    left: Cell<usize>,
    exhausted: Cell<bool>,
}

/// Deserializes one YAML node into a [`Value`], charging every node and every byte of text
/// to a [`Budget`]. serde_yaml_ng expands aliases as it goes and only caps the number of
/// jumps, which lets 30 KB of `[*a, *a, …]` build gigabytes of values.
#[derive(Debug, Clone, Copy)]
struct BudgetedValue<'a> {
    budget: &'a Budget,
}

impl BudgetedValue<'_> {
    fn charge<E: de::Error>(self, cost: usize) -> Result<(), E> {
        match self.budget.left.get().checked_sub(cost) {
            Some(left) => {
                self.budget.left.set(left);
                Ok(())
            }
            None => {
                self.budget.exhausted.set(true);
                Err(E::custom("aliases expand the document too far"))
            }
        }
    }

    fn text<E: de::Error>(self, text: String) -> Result<Value, E> {
        self.charge(1 + text.len())?;
        Ok(Value::String(text))
    }
}

impl<'de> DeserializeSeed<'de> for BudgetedValue<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for BudgetedValue<'_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a YAML value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        self.charge(1)?;
        Ok(Value::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        self.charge(1)?;
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        self.charge(1)?;
        Ok(Value::Number(n.into()))
    }

    // Integers beyond 64 bits are kept as their digits: they can only be metadata text.
    fn visit_i128<E: de::Error>(self, n: i128) -> Result<Value, E> {
        self.text(n.to_string())
    }

    fn visit_u128<E: de::Error>(self, n: u128) -> Result<Value, E> {
        self.text(n.to_string())
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
        self.charge(1)?;
        Ok(Value::Number(n.into()))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Value, E> {
        // Charged before copying, so an expanded alias is refused before it is allocated.
        self.charge(1 + text.len())?;
        Ok(Value::String(text.to_owned()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Value, E> {
        self.text(text)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.charge(1)?;
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        self.charge(1)?;
        let mut sequence = Vec::new();
        while let Some(item) = items.next_element_seed(self)? {
            sequence.push(item);
        }
        Ok(Value::Sequence(sequence))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Value, A::Error> {
        self.charge(1)?;
        let mut mapping = Mapping::new();
        while let Some(key) = entries.next_key_seed(self)? {
            if mapping.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "duplicate key {}",
                    describe_key(&key)
                )));
            }
            let value = entries.next_value_seed(self)?;
            mapping.insert(key, value);
        }
        Ok(Value::Mapping(mapping))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, _tagged: A) -> Result<Value, A::Error> {
        Err(de::Error::custom(
            "YAML tags other than YAML's own (like `!!str`) are not supported",
        ))
    }
}

fn describe_key(key: &Value) -> String {
    match key {
        Value::String(text) => format!("`{text}`"),
        _ => "(not a string)".to_owned(),
    }
}
