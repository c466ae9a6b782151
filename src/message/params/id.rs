//! A requested secret's identifier (`{"key", "namespace"}`), and its
//! reader.

use crate::leaf::Malformed;
use crate::read::object::Object;
use crate::read::text::Text;
use crate::read::Lexer;

/// Keys of a requested secret identifier.
const ID_KEYS: &[&str] = &["key", "namespace"];

/// A secret's identifier: `{"key", "namespace"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SecretId<'a> {
    /// The secret's key.
    pub key: Text<'a>,
    /// The secret's namespace.
    pub namespace: Text<'a>,
}

impl<'a> SecretId<'a> {
    /// An identifier from two plain strings.
    pub const fn new(key: &'a str, namespace: &'a str) -> Self {
        SecretId {
            key: Text::new(key),
            namespace: Text::new(namespace),
        }
    }

    /// An identifier from two [`Text`]s.
    pub const fn from_texts(key: Text<'a>, namespace: Text<'a>) -> Self {
        SecretId { key, namespace }
    }
}

/// `{"key", "namespace"}` or `null` (both empty), inside `depth`
/// containers. (`message::result` reads a result entry's `id` with its own copy,
/// inlined there: a call per entry costs its hot loop about 2 %.)
pub(super) fn read_id<'a>(lx: &mut Lexer<'a>, depth: usize) -> Result<SecretId<'a>, Malformed> {
    let mut id = SecretId::new("", "");
    if let Some(mut obj) = Object::open_or_null(lx, ID_KEYS, depth)? {
        while let Some(field) = obj.next(lx)? {
            let value = lx.string_or_null()?.map_or(Text::new(""), |s| s.text);
            match field.index {
                0 => id.key = value,
                _ => id.namespace = value,
            }
        }
    }
    Ok(id)
}
