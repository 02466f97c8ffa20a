//! Reads a JSON file one post at a time, however large: the array of posts (`group_posts_v2`,
//! `group_comments_v2`, a Graph dump's `data`, or a top-level array) is walked element by
//! element with a serde `SeqAccess`, so only one post is in memory at once. Other top-level keys
//! are passed over (and named in the report).

use std::fmt;
use std::io::Read;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// Which array an element came from, which says how to read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `group_posts_v2`: Download Your Information posts.
    DyiPost,
    /// `group_comments_v2`: Download Your Information comments.
    DyiComment,
    /// `data`, or a top-level array: Graph API posts.
    GraphPost,
}

/// What the reader hands on: an element of a known array (with its index in it), or a note.
pub enum Event {
    Element { kind: Kind, index: u64, value: Value },
    UnknownKey(String),
}

/// Why reading stopped before the end of the file: the sink refused (the import is over), or the
/// JSON is broken (`line`, `column` as serde_json counts them).
pub type Sink<'s> = dyn FnMut(Event) -> Result<(), String> + 's;

/// Reads `input` to its end, handing each element to `sink`. An error says where the JSON broke.
pub fn read(input: impl Read, sink: &mut Sink<'_>) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_reader(input);
    de.deserialize_any(TopLevel { sink })?;
    de.end()
}

struct TopLevel<'a, 's> {
    sink: &'a mut Sink<'s>,
}

impl<'de> Visitor<'de> for TopLevel<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Facebook export: an object with group_posts_v2, group_comments_v2 or data, or an array of posts")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            let kind = match key.as_str() {
                "group_posts_v2" => Kind::DyiPost,
                "group_comments_v2" => Kind::DyiComment,
                "data" => Kind::GraphPost,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    if key != "paging" {
                        (self.sink)(Event::UnknownKey(key)).map_err(de::Error::custom)?;
                    }
                    continue;
                }
            };
            map.next_value_seed(Elements { kind, sink: &mut *self.sink })?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        Elements { kind: Kind::GraphPost, sink: self.sink }.visit_seq(seq)
    }
}

/// One array of posts, element by element.
struct Elements<'a, 's> {
    kind: Kind,
    sink: &'a mut Sink<'s>,
}

impl<'de> DeserializeSeed<'de> for Elements<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Elements<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of posts")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(value) = seq.next_element::<Value>()? {
            (self.sink)(Event::Element { kind: self.kind, index, value }).map_err(de::Error::custom)?;
            index += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The elements read (kind, index, value), the unknown keys, and the error if any.
    type Seen = (Vec<(Kind, u64, Value)>, Vec<String>, Option<String>);

    fn events(json: &str) -> Seen {
        let (mut elements, mut unknown) = (Vec::new(), Vec::new());
        let result = read(json.as_bytes(), &mut |e| {
            match e {
                Event::Element { kind, index, value } => elements.push((kind, index, value)),
                Event::UnknownKey(k) => unknown.push(k),
            }
            Ok(())
        });
        (elements, unknown, result.err().map(|e| e.to_string()))
    }

    #[test]
    fn each_layout_yields_its_elements() {
        let (els, unknown, err) = events(r#"{"group_posts_v2": [{"a": 1}, {"b": 2}], "extra": {"x": [1]}}"#);
        assert_eq!((els.len(), els[1].0, els[1].1), (2, Kind::DyiPost, 1));
        assert_eq!((unknown, err), (vec!["extra".to_string()], None));
        let (els, _, _) = events(r#"{"group_comments_v2": [{"c": 1}]}"#);
        assert_eq!(els[0].0, Kind::DyiComment);
        let (els, unknown, _) = events(r#"{"data": [{"id": "1_2"}], "paging": {"next": "x"}}"#);
        assert_eq!((els[0].0, unknown.len()), (Kind::GraphPost, 0));
    }

    #[test]
    fn a_truncated_file_gives_the_elements_before_the_break_and_an_error() {
        let (els, _, err) = events(r#"{"group_posts_v2": [{"a": 1}, {"b": "#);
        assert_eq!(els.len(), 1);
        assert!(err.unwrap().contains("EOF"));
    }

    /// A file of posts made on the fly while it is read, never whole in memory.
    struct Generated {
        posts: u64,
        next: u64,
        pending: Vec<u8>,
        done: bool,
    }

    impl Read for Generated {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            while self.pending.is_empty() && !self.done {
                self.pending = match self.next {
                    0 => b"{\"group_posts_v2\": [".to_vec(),
                    n if n <= self.posts => {
                        let comma = if n > 1 { "," } else { "" };
                        format!(
                            "{comma}{{\"timestamp\": {}, \"data\": [{{\"post\": \"{}\"}}]}}",
                            1_500_000_000 + n,
                            "Th\\u00e1\\u00ba\\u00a7y ".repeat(40)
                        )
                        .into_bytes()
                    }
                    _ => {
                        self.done = true;
                        b"]}".to_vec()
                    }
                };
                self.next += 1;
            }
            let n = buf.len().min(self.pending.len());
            buf[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            Ok(n)
        }
    }

    #[test]
    fn a_file_larger_than_memory_should_hold_is_read_one_post_at_a_time() {
        let posts = 64_000; // about 64 MB of JSON
        let (mut seen, mut largest) = (0u64, 0usize);
        let source = Generated { posts, next: 0, pending: Vec::new(), done: false };
        read(source, &mut |e| {
            if let Event::Element { value, .. } = e {
                seen += 1;
                largest = largest.max(value.to_string().len());
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, posts);
        assert!(largest < 2_000, "one post at a time ({largest} bytes)");
    }
}
