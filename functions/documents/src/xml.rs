//! A thin layer over quick-xml's writer: elements in the order the
//! schemas fix, text escaped by the library, nothing written twice.

use quick_xml::Writer;
use quick_xml::escape::partial_escape;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

pub struct Xml {
    writer: Writer<Vec<u8>>,
}

/// Writing into memory cannot fail; quick-xml's signatures still say
/// `io::Result`, so the error is kept rather than unwrapped.
pub type XmlResult = std::io::Result<()>;

impl Xml {
    pub fn new() -> Result<Self, std::io::Error> {
        let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        Ok(Self { writer })
    }

    pub fn open(&mut self, name: &str, attributes: &[(&str, &str)]) -> XmlResult {
        let mut start = BytesStart::new(name);
        for (key, value) in attributes {
            start.push_attribute((*key, *value));
        }
        self.writer.write_event(Event::Start(start))
    }

    pub fn close(&mut self, name: &str) -> XmlResult {
        self.writer.write_event(Event::End(BytesEnd::new(name)))
    }

    /// `<name attr="…">text</name>`.
    pub fn leaf_with(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) -> XmlResult {
        self.open(name, attributes)?;
        // Only <, > and & need escaping in text; "d'escompte" stays
        // readable rather than becoming "d&apos;escompte".
        self.writer
            .write_event(Event::Text(BytesText::from_escaped(partial_escape(text))))?;
        self.close(name)
    }

    pub fn leaf(&mut self, name: &str, text: &str) -> XmlResult {
        self.leaf_with(name, &[], text)
    }

    /// A leaf only when there is something to say.
    pub fn maybe(&mut self, name: &str, text: Option<&str>) -> XmlResult {
        match text {
            Some(text) => self.leaf(name, text),
            None => Ok(()),
        }
    }

    /// `<name>` … `</name>` around what `inner` writes.
    pub fn within(&mut self, name: &str, inner: impl FnOnce(&mut Self) -> XmlResult) -> XmlResult {
        self.open(name, &[])?;
        inner(self)?;
        self.close(name)
    }

    pub fn finish(self) -> Vec<u8> {
        let mut bytes = self.writer.into_inner();
        bytes.push(b'\n');
        bytes
    }
}
