//! Typed getters over one TOML table, recording where each value was.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::doc::{Doc, FileSpans};

/// Typed getters over one table; type errors are reported and yield None.
pub(super) struct Table<'d, 'a> {
    pub doc: &'d mut Doc<'a>,
    pub spans: &'d mut FileSpans,
    pub prefix: &'static str,
    pub key_prefix: Option<String>,
}

impl Table<'_, '_> {
    pub fn key(&self, k: &str) -> String {
        match (&self.key_prefix, self.prefix) {
            (Some(p), _) => format!("{p}.{k}"),
            (None, "") => k.to_string(),
            (None, p) => format!("{p}.{k}"),
        }
    }

    pub fn get<'v, 'i>(
        &mut self,
        table: &'v DeTable<'i>,
        name: &str,
    ) -> Option<&'v Spanned<DeValue<'i>>> {
        let value = table.get(name)?;
        let key = self.key(name);
        self.spans.values.insert(key, value.span());
        Some(value)
    }

    pub fn type_error(&mut self, value: &Spanned<DeValue<'_>>, name: &str, want: &str) {
        let key = self.key(name);
        let msg = format!("expected {want}, found {}", value.get_ref().type_str());
        self.doc
            .error(&value.span(), &key, msg, "value types of docs/CONFIG.md");
    }

    pub fn table<'v, 'i>(
        &mut self,
        section: &'v DeTable<'i>,
        name: &str,
    ) -> Option<&'v DeTable<'i>> {
        let value = self.get(section, name)?;
        match value.get_ref().as_table() {
            Some(tb) => Some(tb),
            None => {
                self.type_error(value, name, &format!("a table `[{name}]`"));
                None
            }
        }
    }

    pub fn string(&mut self, table: &DeTable<'_>, name: &str) -> Option<String> {
        let value = self.get(table, name)?;
        match value.get_ref().as_str() {
            Some(s) => Some(s.to_string()),
            None => {
                self.type_error(value, name, "a string");
                None
            }
        }
    }

    pub fn parse<T>(
        &mut self,
        table: &DeTable<'_>,
        name: &str,
        f: fn(&str) -> Option<T>,
        want: &str,
    ) -> Option<T> {
        let value = self.get(table, name)?;
        let text = self.string(table, name)?;
        let parsed = f(&text);
        if parsed.is_none() {
            let key = self.key(name);
            let msg = format!("`{text}` is not {want}");
            self.doc
                .error(&value.span(), &key, msg, "values of docs/CONFIG.md");
        }
        parsed
    }

    pub fn boolean(&mut self, table: &DeTable<'_>, name: &str) -> Option<bool> {
        let value = self.get(table, name)?;
        let flag = value.get_ref().as_bool();
        if flag.is_none() {
            self.type_error(value, name, "true or false");
        }
        flag
    }

    pub fn int<T: TryFrom<i64>>(
        &mut self,
        table: &DeTable<'_>,
        name: &str,
        min: i64,
        max: i64,
    ) -> Option<T> {
        let value = self.get(table, name)?;
        let Some(integer) = value.get_ref().as_integer() else {
            self.type_error(value, name, "an integer");
            return None;
        };
        let number = i64::from_str_radix(integer.as_str(), integer.radix()).ok();
        match number
            .filter(|number| (min..=max).contains(number))
            .and_then(|number| T::try_from(number).ok())
        {
            Some(within) => Some(within),
            None => {
                let key = self.key(name);
                let msg = format!("{} is out of range ({min} to {max})", integer.as_str());
                self.doc
                    .error(&value.span(), &key, msg, "value ranges of docs/CONFIG.md");
                None
            }
        }
    }

    pub fn number(&mut self, table: &DeTable<'_>, name: &str, min: f64, max: f64) -> Option<f64> {
        let value = self.get(table, name)?;
        let parsed = match value.get_ref() {
            DeValue::Integer(integer) => i64::from_str_radix(integer.as_str(), integer.radix())
                .ok()
                .map(|parsed| parsed as f64),
            DeValue::Float(float) => float.as_str().parse::<f64>().ok(),
            _ => {
                self.type_error(value, name, "a number");
                return None;
            }
        };
        match parsed.filter(|parsed| (min..=max).contains(parsed)) {
            Some(within) => Some(within),
            None => {
                let key = self.key(name);
                self.doc.error(
                    &value.span(),
                    &key,
                    format!("out of range ({min} to {max})"),
                    "value ranges of docs/CONFIG.md",
                );
                None
            }
        }
    }
}
