//! Every ```toml block of docs/guide.md is a config file that loads: its app (and
//! its server section, when it has one) builds with helloworld's registry.

use gw_server::deploy::Loader;

const GUIDE: &str = include_str!("../../../docs/guide.md");

/// The bodies of the fenced blocks whose info string is `lang`.
fn blocks(markdown: &str, lang: &str) -> Vec<String> {
    let mut found = Vec::new();
    // Inside a block: whether it is a `lang` block, and its text so far.
    let mut open: Option<(bool, String)> = None;
    for line in markdown.lines() {
        let fence = line.trim_start().starts_with("```");
        match (&mut open, fence) {
            (None, true) => {
                let info = line.trim_start().trim_start_matches('`').trim();
                open = Some((info == lang, String::new()));
            }
            (Some((wanted, text)), true) => {
                if *wanted {
                    found.push(std::mem::take(text));
                }
                open = None;
            }
            (Some((true, text)), false) => {
                text.push_str(line);
                text.push('\n');
            }
            _ => {}
        }
    }
    found
}

#[test]
fn the_guide_has_config_blocks() {
    assert!(
        blocks(GUIDE, "toml").len() >= 3,
        "the guide lost its config examples"
    );
}

#[test]
fn every_toml_block_of_the_guide_loads_as_a_config_file() {
    let registry = helloworld::registry();
    for (n, text) in blocks(GUIDE, "toml").iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("public")).unwrap();
        std::fs::write(dir.path().join("public/index.html"), "<h1>Welcome</h1>").unwrap();
        let file = dir.path().join("guide.toml");
        std::fs::write(&file, text).unwrap();
        let uri = format!("config:{}", file.display());

        let mut loader = Loader::new(&registry);
        let stack = loader
            .load_app(&uri)
            .unwrap_or_else(|e| panic!("toml block {n} of the guide does not load: {e}\n{text}"));
        assert!(!stack.tree.to_string().is_empty());
        if text.contains("[server.") {
            loader
                .load_server(&uri)
                .unwrap_or_else(|e| panic!("toml block {n}: bad server section: {e}\n{text}"));
        }
    }
}

#[test]
fn a_typo_in_a_guide_config_is_caught_by_this_test() {
    // The check above must be able to fail: a misspelt factory name is an error.
    let registry = helloworld::registry();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("typo.toml");
    std::fs::write(&file, "[app.main]\nuse = \"statc_files\"\n").unwrap();
    let err = Loader::new(&registry)
        .load_app(&format!("config:{}", file.display()))
        .unwrap_err();
    assert!(err.to_string().contains("statc_files"), "{err}");
}
