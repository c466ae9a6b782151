//! Skipping and walking whole values without recursion: an explicit stack
//! of open containers, bounded by [`super::MAX_DEPTH`].

use crate::leaf::Expected;
use crate::read::text::Text;

use super::scan::validated_string_len;
use super::{Lexer, Result, MAX_DEPTH};

impl<'a> Lexer<'a> {
    /// Skips one value of any kind, validating it, without recursion.
    ///
    /// `depth` is the number of containers already open around the value.
    pub fn skip_value(&mut self, depth: usize) -> Result<()> {
        if self.validated {
            return self.skip_validated();
        }
        self.walk_value(depth, &mut |_, _| {})
    }

    /// Skips one value of a validated document: strings are delimited,
    /// brackets counted, a word at a time; nothing is checked again.
    fn skip_validated(&mut self) -> Result<()> {
        match self.peek() {
            Some(b'"') => self.string().map(drop),
            Some(b'{' | b'[') => {
                let mut open = 0usize;
                let mut at = self.pos;
                loop {
                    // Between strings there are only a few bytes (`":"`,
                    // `","`, numbers): a byte loop beats a word scan there.
                    match self.buf.get(at) {
                        Some(b'"') => {
                            let content = at.saturating_add(1);
                            let rest = self.buf.get(content..).unwrap_or_default();
                            let Some((len, _)) = validated_string_len(rest) else {
                                self.pos = self.buf.len();
                                return self.fail(Expected::StringEnd);
                            };
                            at = content.saturating_add(len).saturating_add(1);
                        }
                        Some(b'{' | b'[') => {
                            open = open.saturating_add(1);
                            at = at.saturating_add(1);
                        }
                        Some(b'}' | b']') => {
                            at = at.saturating_add(1);
                            open = open.saturating_sub(1);
                            if open == 0 {
                                self.pos = at;
                                return Ok(());
                            }
                        }
                        Some(_) => at = at.saturating_add(1),
                        None => {
                            self.pos = at;
                            return self.fail(Expected::Value);
                        }
                    }
                }
            }
            Some(_) => {
                while let Some(b) = self.byte() {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.bump();
                }
                Ok(())
            }
            None => self.fail(Expected::Value),
        }
    }

    /// [`Lexer::skip_value`], handing every key and string value to `seen`
    /// in document order (for the differential fuzz target).
    pub fn walk_value(
        &mut self,
        depth: usize,
        seen: &mut impl FnMut(bool, Text<'a>),
    ) -> Result<()> {
        // Bit i set: the container opened at local level i is an object.
        let mut kinds: u128 = 0;
        let mut level: usize = 0;
        'value: loop {
            match self.peek() {
                Some(open @ (b'{' | b'[')) => {
                    if depth.saturating_add(level) >= MAX_DEPTH {
                        return self.fail(Expected::DepthAtMost128);
                    }
                    self.bump();
                    let is_object = open == b'{';
                    let bit = 1u128.checked_shl(level as u32).unwrap_or(0);
                    if is_object {
                        kinds |= bit;
                    } else {
                        kinds &= !bit;
                    }
                    level = level.saturating_add(1);
                    if is_object {
                        if !self.eat(b'}') {
                            self.key_and_colon(seen)?;
                            continue 'value;
                        }
                    } else if !self.eat(b']') {
                        continue 'value;
                    }
                    level = level.saturating_sub(1);
                }
                Some(b'"') => {
                    let s = self.string()?;
                    seen(false, s.text);
                }
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                Some(b'-' | b'0'..=b'9') => {
                    self.number()?;
                }
                _ => return self.fail(Expected::Value),
            }
            // A value is complete: close containers until one continues.
            loop {
                let Some(top) = level.checked_sub(1) else {
                    return Ok(());
                };
                let is_object = (kinds >> top) & 1 == 1;
                if self.eat(b',') {
                    if is_object {
                        self.key_and_colon(seen)?;
                    }
                    continue 'value;
                }
                let close = if is_object { b'}' } else { b']' };
                if self.eat(close) {
                    level = top;
                    continue;
                }
                return self.fail(if is_object {
                    Expected::CommaOrObjectEnd
                } else {
                    Expected::CommaOrArrayEnd
                });
            }
        }
    }

    fn key_and_colon(&mut self, seen: &mut impl FnMut(bool, Text<'a>)) -> Result<()> {
        if self.peek() != Some(b'"') {
            return self.fail(Expected::Key);
        }
        let key = self.string()?;
        seen(true, key.text);
        if !self.eat(b':') {
            return self.fail(Expected::Colon);
        }
        Ok(())
    }
}
