//! Attribute syntax: `#[settings(...)]`, `#[kv(...)]` and `#[setting(...)]`, parsed into plain values.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Ident, Lit, LitStr, Meta, Token, parenthesized};

use crate::errors::{self, Errors};
use crate::names;

/// The struct attribute, `#[settings(...)]`.
pub const SETTINGS: &str = "settings";
/// The field attribute that marks a Key Vault secret, `#[kv]` or `#[kv(...)]`.
pub const KV: &str = "kv";
/// The field attribute for variable names and defaults, `#[setting(...)]`.
pub const SETTING: &str = "setting";

/// `#[settings(env_prefix = "...")]`: prepended to every derived variable name.
pub const ENV_PREFIX: &str = "env_prefix";
/// `#[settings(secret_prefix = "...")]`: prepended to every derived secret name.
pub const SECRET_PREFIX: &str = "secret_prefix";
/// `#[kv(secret = "...")]`: the secret's name in the vault, used verbatim.
pub const SECRET: &str = "secret";
/// `#[setting(env = "...")]`: the variable name, used verbatim.
pub const ENV: &str = "env";
/// `#[setting(default)]` or `#[setting(default = ...)]`: the value when the variable is unset.
pub const DEFAULT: &str = "default";

const SETTINGS_KEYS: &[&str] = &[ENV_PREFIX, SECRET_PREFIX];
const KV_KEYS: &[&str] = &[SECRET];
const SETTING_KEYS: &[&str] = &[ENV, DEFAULT];

/// The keys of the struct attribute.
#[derive(Default)]
pub struct StructAttrs {
    /// `env_prefix = "..."`.
    pub env_prefix: Option<LitStr>,
    /// `secret_prefix = "..."`.
    pub secret_prefix: Option<LitStr>,
}

/// The attributes of one field.
#[derive(Default)]
pub struct FieldAttrs {
    /// `#[kv]`, present when the field is a Key Vault secret.
    pub kv: Option<KvAttr>,
    /// `env = "..."` from `#[setting]`.
    pub env: Option<LitStr>,
    /// `default` from `#[setting]`.
    pub default: Option<DefaultAttr>,
}

/// A `#[kv]` attribute.
pub struct KvAttr {
    /// `secret = "..."`.
    pub secret: Option<LitStr>,
}

/// A `default` key, with the span of the key itself.
pub struct DefaultAttr {
    /// The span of the word `default`.
    pub key: Span,
    /// What the key says the default is.
    pub value: DefaultValue,
}

/// The three forms of `default`.
pub enum DefaultValue {
    /// Bare `default`: `Default::default()`.
    Trait,
    /// `default = "..."`: parsed like a value read from the environment.
    Str(LitStr),
    /// `default = expr`: an expression of the field's type.
    Expr(Box<Expr>),
}

/// Parses the struct's attributes, reporting field attributes written on the struct.
pub fn struct_attrs(attrs: &[Attribute], errors: &mut Errors) -> StructAttrs {
    let mut parsed = StructAttrs::default();
    let mut seen = false;
    for attr in attrs {
        if attr.path().is_ident(KV) || attr.path().is_ident(SETTING) {
            let name = if attr.path().is_ident(KV) {
                KV
            } else {
                SETTING
            };
            errors.at(attr.path().span(), errors::misplaced(name, "a field", None));
        } else if attr.path().is_ident(SETTINGS) {
            if std::mem::replace(&mut seen, true) {
                errors.at(
                    attr.path().span(),
                    errors::duplicate_attribute(SETTINGS, true),
                );
                continue;
            }
            settings_attr(attr, &mut parsed, errors);
        }
    }
    parsed
}

/// Parses one field's attributes, reporting the struct attribute written on a field.
pub fn field_attrs(attrs: &[Attribute], errors: &mut Errors) -> FieldAttrs {
    let mut parsed = FieldAttrs::default();
    let mut seen_setting = false;
    for attr in attrs {
        if attr.path().is_ident(SETTINGS) {
            let hint = format!("did you mean `#[{SETTING}]`");
            let message = errors::misplaced(SETTINGS, "the struct", Some(&hint));
            errors.at(attr.path().span(), message);
        } else if attr.path().is_ident(KV) {
            if parsed.kv.is_some() {
                errors.at(attr.path().span(), errors::duplicate_attribute(KV, false));
                continue;
            }
            parsed.kv = Some(kv_attr(attr, errors));
        } else if attr.path().is_ident(SETTING) {
            if std::mem::replace(&mut seen_setting, true) {
                errors.at(
                    attr.path().span(),
                    errors::duplicate_attribute(SETTING, true),
                );
                continue;
            }
            setting_attr(attr, &mut parsed, errors);
        }
    }
    parsed
}

fn settings_attr(attr: &Attribute, parsed: &mut StructAttrs, errors: &mut Errors) {
    let example = format!("#[{SETTINGS}({ENV_PREFIX} = \"APP_\")]");
    if !matches!(attr.meta, Meta::List(_)) {
        let what = format!("#[{SETTINGS}]");
        errors.at(
            attr.path().span(),
            errors::requires(&what, "keys", &example),
        );
        return;
    }
    let result = attr.parse_nested_meta(|meta| {
        let Some(key) = key_of(&meta, errors)? else {
            return Ok(());
        };
        if key == ENV_PREFIX {
            let lit = string_value(&meta, &key, "\"APP_\"", errors)?;
            if let Some(lit) = &lit {
                check(lit, names::check_var_prefix, errors);
            }
            set_once(&mut parsed.env_prefix, lit, &key, SETTINGS, errors);
        } else if key == SECRET_PREFIX {
            let lit = string_value(&meta, &key, "\"app-\"", errors)?;
            if let Some(lit) = &lit {
                check(lit, names::check_secret_prefix, errors);
            }
            set_once(&mut parsed.secret_prefix, lit, &key, SETTINGS, errors);
        } else {
            unknown(&meta, &key, SETTINGS, SETTINGS_KEYS, None, errors)?;
        }
        Ok(())
    });
    if let Err(error) = result {
        errors.push(error);
    }
}

fn kv_attr(attr: &Attribute, errors: &mut Errors) -> KvAttr {
    let mut parsed = KvAttr { secret: None };
    match &attr.meta {
        Meta::Path(_) => return parsed,
        Meta::List(_) => {}
        Meta::NameValue(_) => {
            let message = format!("expected `#[{KV}]` or `#[{KV}({SECRET} = \"...\")]`");
            errors.at(attr.path().span(), message);
            return parsed;
        }
    }
    let result = attr.parse_nested_meta(|meta| {
        let Some(key) = key_of(&meta, errors)? else {
            return Ok(());
        };
        if key == SECRET {
            let lit = string_value(&meta, &key, "\"github-token\"", errors)?;
            if let Some(lit) = &lit {
                check(lit, names::check_secret, errors);
            }
            set_once(&mut parsed.secret, lit, &key, KV, errors);
        } else {
            unknown(
                &meta,
                &key,
                KV,
                KV_KEYS,
                Some((SETTING_KEYS, SETTING)),
                errors,
            )?;
        }
        Ok(())
    });
    if let Err(error) = result {
        errors.push(error);
    }
    parsed
}

fn setting_attr(attr: &Attribute, parsed: &mut FieldAttrs, errors: &mut Errors) {
    if !matches!(attr.meta, Meta::List(_)) {
        let what = format!("#[{SETTING}]");
        let example = format!("#[{SETTING}({ENV} = \"PORT\")]");
        errors.at(
            attr.path().span(),
            errors::requires(&what, "keys", &example),
        );
        return;
    }
    let result = attr.parse_nested_meta(|meta| {
        let Some(key) = key_of(&meta, errors)? else {
            return Ok(());
        };
        if key == ENV {
            let lit = string_value(&meta, &key, "\"LOG_LEVEL\"", errors)?;
            if let Some(lit) = &lit {
                check(lit, names::check_var, errors);
            }
            set_once(&mut parsed.env, lit, &key, SETTING, errors);
        } else if key == DEFAULT {
            let default = default_value(&meta, &key, errors)?;
            set_once(&mut parsed.default, default, &key, SETTING, errors);
        } else {
            let other = Some((KV_KEYS, KV));
            unknown(&meta, &key, SETTING, SETTING_KEYS, other, errors)?;
        }
        Ok(())
    });
    if let Err(error) = result {
        errors.push(error);
    }
}

/// Returns the key as an identifier, or reports a key that is a longer path.
fn key_of(meta: &ParseNestedMeta, errors: &mut Errors) -> syn::Result<Option<Ident>> {
    match meta.path.get_ident() {
        Some(ident) => Ok(Some(ident.clone())),
        None => {
            errors.at(
                meta.path.span(),
                "expected a key such as `env`, found a path",
            );
            skip_value(meta)?;
            Ok(None)
        }
    }
}

/// Stores `value` in `slot`, reporting a second copy of `key` on the second copy.
fn set_once<T>(
    slot: &mut Option<T>,
    value: Option<T>,
    key: &Ident,
    attr: &str,
    errors: &mut Errors,
) {
    if slot.is_some() {
        errors.at(key.span(), errors::duplicate_key(&key.to_string(), attr));
    } else {
        *slot = value;
    }
}

/// Reports an unknown key, pointing at the attribute it belongs in when there is one.
fn unknown(
    meta: &ParseNestedMeta,
    key: &Ident,
    attr: &str,
    known: &[&str],
    other: Option<(&[&str], &str)>,
    errors: &mut Errors,
) -> syn::Result<()> {
    let name = key.to_string();
    let message = match other {
        Some((keys, owner)) if keys.contains(&name.as_str()) => {
            errors::key_of_other_attribute(&name, attr, owner)
        }
        _ => errors::unknown_key(&name, attr, known),
    };
    errors.at(key.span(), message);
    skip_value(meta)
}

/// Parses `key = "..."`, reporting a missing value or a value that is not a string literal.
fn string_value(
    meta: &ParseNestedMeta,
    key: &Ident,
    example: &str,
    errors: &mut Errors,
) -> syn::Result<Option<LitStr>> {
    if !meta.input.peek(Token![=]) {
        let example = format!("{key} = {example}");
        errors.at(
            key.span(),
            errors::requires(&key.to_string(), "a value", &example),
        );
        skip_value(meta)?;
        return Ok(None);
    }
    match meta.value()?.parse::<Expr>()? {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(Some(lit)),
        other => {
            let message =
                format!("expected a string literal for `{key}`; e.g. `{key} = {example}`");
            errors.at(other.span(), message);
            Ok(None)
        }
    }
}

/// Parses bare `default`, `default = "..."` or `default = expr`.
fn default_value(
    meta: &ParseNestedMeta,
    key: &Ident,
    errors: &mut Errors,
) -> syn::Result<Option<DefaultAttr>> {
    let value = if meta.input.peek(Token![=]) {
        match meta.value()?.parse::<Expr>()? {
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) => DefaultValue::Str(lit),
            expr => DefaultValue::Expr(Box::new(expr)),
        }
    } else if meta.input.is_empty() || meta.input.peek(Token![,]) {
        DefaultValue::Trait
    } else {
        errors.at(
            key.span(),
            format!("expected `{DEFAULT}` or `{DEFAULT} = ...`"),
        );
        skip_value(meta)?;
        return Ok(None);
    };
    Ok(Some(DefaultAttr {
        key: key.span(),
        value,
    }))
}

/// Consumes whatever follows a key that is being rejected: `= expr`, `(...)` or nothing.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        parenthesized!(content in meta.input);
        content.parse::<TokenStream>()?;
    }
    Ok(())
}

/// Applies a name rule to a literal, reporting a broken rule on the literal.
fn check<E: std::fmt::Display>(lit: &LitStr, rule: fn(&str) -> Result<(), E>, errors: &mut Errors) {
    if let Err(error) = rule(&lit.value()) {
        errors.at(lit.span(), error);
    }
}
