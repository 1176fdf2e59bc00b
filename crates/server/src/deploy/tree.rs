//! The assembled stack as a tree, for `serve --check` and for tests.

use std::fmt;

/// One node of an assembled stack: a section, what built it, and what it wraps.
///
/// `Display` draws the whole tree, outermost layer first:
///
/// ```
/// use gw_server::deploy::Tree;
///
/// let tree = Tree::new("pipeline.main")
///     .child(Tree::new("filter.errors: error_catcher {debug = false}"))
///     .child(Tree::new("app.hello: hello"));
/// assert_eq!(
///     tree.to_string(),
///     "pipeline.main\n├── filter.errors: error_catcher {debug = false}\n└── app.hello: hello\n"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    label: String,
    children: Vec<Tree>,
}

impl Tree {
    /// A node without children.
    pub fn new(label: impl Into<String>) -> Self {
        Tree {
            label: label.into(),
            children: Vec::new(),
        }
    }

    /// Adds a child at the end.
    pub fn child(mut self, child: Tree) -> Self {
        self.children.push(child);
        self
    }

    /// The node's own line.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The nodes under this one, in order.
    pub fn children(&self) -> &[Tree] {
        &self.children
    }

    pub(crate) fn push(&mut self, child: Tree) {
        self.children.push(child);
    }

    fn draw(&self, f: &mut fmt::Formatter<'_>, prefix: &str) -> fmt::Result {
        let count = self.children.len();
        for (i, child) in self.children.iter().enumerate() {
            let last = i + 1 == count;
            let (branch, indent) = if last {
                ("└── ", "    ")
            } else {
                ("├── ", "│   ")
            };
            writeln!(f, "{prefix}{branch}{}", child.label)?;
            child.draw(f, &format!("{prefix}{indent}"))?;
        }
        Ok(())
    }
}

impl fmt::Display for Tree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.label)?;
        self.draw(f, "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_children_are_indented_under_their_parent() {
        let tree = Tree::new("pipeline.main")
            .child(Tree::new("filter.a: f"))
            .child(
                Tree::new("composite.site: cascade")
                    .child(Tree::new("app.one: x"))
                    .child(Tree::new("app.two: y")),
            );
        assert_eq!(
            tree.to_string(),
            "pipeline.main\n\
             ├── filter.a: f\n\
             └── composite.site: cascade\n    \
                 ├── app.one: x\n    \
                 └── app.two: y\n"
        );
    }

    #[test]
    fn a_middle_child_keeps_the_vertical_line_for_its_children() {
        let tree = Tree::new("r")
            .child(Tree::new("a").child(Tree::new("a1")))
            .child(Tree::new("b"));
        assert_eq!(tree.to_string(), "r\n├── a\n│   └── a1\n└── b\n");
    }
}
