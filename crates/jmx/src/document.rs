//! The JMX file as JMeter stores it: test elements with raw properties, children from `hashTree`s.
//!
//! This level keeps everything, including disabled elements, so that Taurus-style modifications
//! (which may re-enable an element or set any property) apply here before the typed [`crate::Plan`]
//! is built.

use crate::error::ReadError;
use crate::xml::{self, Limits, XmlNode};

/// A parsed `.jmx` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// `jmeterTestPlan@jmeter`, the JMeter version that saved the file (e.g. `5.4.1`), if present.
    pub jmeter_version: Option<String>,
    /// The elements of the outermost `hashTree`: the `TestPlan`, and in JMeter 2.x/3.x files a
    /// `WorkBench`.
    pub roots: Vec<Element>,
}

/// One JMeter test element with its properties and its children (the `hashTree` after it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// The XML tag: JMeter's class alias (`HTTPSamplerProxy`) or a full class name for plugins.
    pub class: String,
    /// The `guiclass` attribute, which tells apart elements that share a class (HTTP Request
    /// Defaults and other `ConfigTestElement`s).
    pub gui_class: Option<String>,
    /// The `testname` attribute, the name shown in JMeter's tree and used as sample label.
    pub name: String,
    /// `false` when `enabled="false"`: JMeter skips the element and everything under it.
    pub enabled: bool,
    pub props: Vec<Property>,
    pub children: Vec<Element>,
    /// Line of the element's start tag.
    pub line: u32,
}

/// One JMeter property, value kept raw (it may hold `${...}` functions that run later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub name: String,
    pub kind: PropKind,
    pub value: PropValue,
}

/// The XML tag a property was stored with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropKind {
    String,
    Int,
    Long,
    Bool,
    Double,
    Float,
    Element,
    Collection,
    Map,
    Object,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropValue {
    Text(String),
    Element(PropElement),
    Collection(Vec<Property>),
}

/// The value of an `elementProp`: a nested element such as `Arguments` or `LoopController`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropElement {
    pub element_type: Option<String>,
    pub props: Vec<Property>,
}

/// Property look-ups shared by elements and nested property elements.
pub trait Props {
    fn props(&self) -> &[Property];

    fn prop(&self, name: &str) -> Option<&Property> {
        self.props().iter().find(|p| p.name == name)
    }

    /// The raw text of a scalar property.
    fn text(&self, name: &str) -> Option<&str> {
        match &self.prop(name)?.value {
            PropValue::Text(t) => Some(t),
            _ => None,
        }
    }

    fn element(&self, name: &str) -> Option<&PropElement> {
        match &self.prop(name)?.value {
            PropValue::Element(e) => Some(e),
            _ => None,
        }
    }

    fn collection(&self, name: &str) -> Option<&[Property]> {
        match &self.prop(name)?.value {
            PropValue::Collection(c) => Some(c),
            _ => None,
        }
    }
}

impl Props for Element {
    fn props(&self) -> &[Property] {
        &self.props
    }
}

impl Props for PropElement {
    fn props(&self) -> &[Property] {
        &self.props
    }
}

impl Document {
    /// Parses JMX text.
    pub fn parse(text: &str, limits: &Limits) -> Result<Document, ReadError> {
        let root = xml::parse(text, limits)?;
        if root.tag != "jmeterTestPlan" {
            return Err(ReadError::NotJmx {
                line: root.line,
                found: root.tag,
            });
        }
        let mut roots = Vec::new();
        for tree in root.children.iter().filter(|c| c.tag == "hashTree") {
            roots.extend(elements_of(tree)?);
        }
        Ok(Document {
            jmeter_version: root.attr("jmeter").map(str::to_owned),
            roots,
        })
    }

    /// The `TestPlan` element, if the file has one.
    pub fn test_plan(&self) -> Option<&Element> {
        self.roots.iter().find(|e| e.class == "TestPlan")
    }
}

/// The elements of one `hashTree`: each test element is followed by the `hashTree` of its children.
fn elements_of(tree: &XmlNode) -> Result<Vec<Element>, ReadError> {
    let mut out: Vec<Element> = Vec::new();
    let mut last_had_tree = true;
    for node in &tree.children {
        if node.tag == "hashTree" {
            // Some generators leave empty stray trees behind; they carry nothing, so skip them.
            if last_had_tree && node.children.is_empty() {
                continue;
            }
            let parent = match out.last_mut() {
                Some(p) if !last_had_tree => p,
                _ => {
                    return Err(ReadError::Structure {
                        line: node.line,
                        message: stray_tree_message(),
                    });
                }
            };
            parent.children = elements_of(node)?;
            last_had_tree = true;
        } else {
            out.push(element_of(node));
            last_had_tree = false;
        }
    }
    Ok(out)
}

fn stray_tree_message() -> String {
    "a <hashTree> that follows no test element (each element's children are in the hashTree right after it)"
        .into()
}

fn element_of(node: &XmlNode) -> Element {
    Element {
        class: node.tag.clone(),
        gui_class: node.attr("guiclass").map(str::to_owned),
        name: node.attr("testname").unwrap_or_default().to_owned(),
        enabled: node.attr("enabled") != Some("false"),
        props: props_of(node),
        children: Vec::new(),
        line: node.line,
    }
}

fn props_of(node: &XmlNode) -> Vec<Property> {
    node.children.iter().filter_map(property_of).collect()
}

fn property_of(node: &XmlNode) -> Option<Property> {
    let kind = match node.tag.as_str() {
        // The `*Property` spellings are what XStream writes for classes without an alias.
        "stringProp" | "StringProperty" => PropKind::String,
        "intProp" | "IntegerProperty" => PropKind::Int,
        "longProp" | "LongProperty" => PropKind::Long,
        "boolProp" | "BooleanProperty" => PropKind::Bool,
        "doubleProp" | "DoubleProperty" => PropKind::Double,
        "floatProp" | "FloatProperty" => PropKind::Float,
        "elementProp" => PropKind::Element,
        "collectionProp" => PropKind::Collection,
        "mapProp" => PropKind::Map,
        "objProp" => PropKind::Object,
        _ => return None,
    };
    // Old-style numbers and objects carry `<name>`/`<value>` children instead of a name attribute.
    let child_text = |tag: &str| {
        node.children
            .iter()
            .find(|c| c.tag == tag)
            .map(|c| c.text.clone())
    };
    let name = match node.attr("name") {
        Some(n) => n.to_owned(),
        None => child_text("name").unwrap_or_default(),
    };
    let value = match kind {
        PropKind::Element => PropValue::Element(PropElement {
            element_type: node.attr("elementType").map(str::to_owned),
            props: props_of(node),
        }),
        PropKind::Collection | PropKind::Map => PropValue::Collection(props_of(node)),
        PropKind::Object => PropValue::Text(String::new()),
        _ if node.attr("name").is_none() => {
            PropValue::Text(child_text("value").unwrap_or_default())
        }
        _ => PropValue::Text(node.text.clone()),
    };
    Some(Property { name, kind, value })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<jmeterTestPlan version="1.2" properties="5.0" jmeter="5.4.1">
  <hashTree>
    <TestPlan guiclass="TestPlanGui" testclass="TestPlan" testname="Plan" enabled="true">
      <elementProp name="TestPlan.user_defined_variables" elementType="Arguments">
        <collectionProp name="Arguments.arguments"/>
      </elementProp>
    </TestPlan>
    <hashTree>
      <ConstantThroughputTimer guiclass="TestBeanGUI" testclass="ConstantThroughputTimer" testname="CTT" enabled="false">
        <doubleProp>
          <name>throughput</name>
          <value>60.0</value>
          <savedValue>0.0</savedValue>
        </doubleProp>
      </ConstantThroughputTimer>
      <hashTree/>
      <Arguments testname="no tree after me"/>
    </hashTree>
  </hashTree>
</jmeterTestPlan>"#;

    #[test]
    fn hash_trees_become_children_and_old_double_props_are_read() {
        let doc = Document::parse(PLAN, &Limits::default()).unwrap();
        assert_eq!(doc.jmeter_version.as_deref(), Some("5.4.1"));
        let plan = doc.test_plan().unwrap();
        assert_eq!(plan.name, "Plan");
        assert_eq!(
            plan.element("TestPlan.user_defined_variables")
                .unwrap()
                .element_type
                .as_deref(),
            Some("Arguments")
        );
        let timer = &plan.children[0];
        assert!(!timer.enabled);
        assert_eq!(timer.text("throughput"), Some("60.0"));
        assert_eq!(timer.line, 10);
        assert_eq!(plan.children[1].name, "no tree after me");
    }

    #[test]
    fn a_stray_hash_tree_is_a_structure_error() {
        let text =
            "<jmeterTestPlan><hashTree><hashTree><A/></hashTree></hashTree></jmeterTestPlan>";
        let err = Document::parse(text, &Limits::default()).unwrap_err();
        assert!(
            matches!(err, ReadError::Structure { line: 1, .. }),
            "{err:?}"
        );
        let err = Document::parse("<testResults/>", &Limits::default()).unwrap_err();
        assert!(matches!(err, ReadError::NotJmx { .. }), "{err:?}");
    }
}
