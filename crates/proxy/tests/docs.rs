//! The book (`docs/src`) against the proxy it documents, so that the two cannot drift:
//! - every subcommand has its section in the reference page, and each section's table of flags
//!   is exactly what that subcommand's `--help` lists (both ways);
//! - every `{{#include FILE:ANCHOR}}` names a file and an anchor that exist, so the code a
//!   partner copies is the runnable example's (the end-to-end suite runs the examples).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn book() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/src")
}

fn help(command: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_socialchat-proxy"))
        .args(command)
        .arg("--help")
        .output()
        .expect("the proxy runs");
    assert!(output.status.success(), "{command:?} --help");
    String::from_utf8(output.stdout).expect("UTF-8 help")
}

/// The subcommands a `--help` lists (without `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// Every leaf command, as the words that name it (`["webhooks", "list"]`).
fn leaf_commands() -> Vec<Vec<String>> {
    let mut leaves = Vec::new();
    let mut pending = vec![Vec::<String>::new()];
    while let Some(path) = pending.pop() {
        let words: Vec<&str> = path.iter().map(String::as_str).collect();
        let children = subcommands(&help(&words));
        if children.is_empty() {
            leaves.push(path);
        } else {
            pending.extend(children.into_iter().map(|child| {
                let mut next = path.clone();
                next.push(child);
                next
            }));
        }
    }
    leaves.sort();
    leaves
}

/// The long flags a `--help` lists, without `--help` and `--version`.
fn flags_in_help(help: &str) -> BTreeSet<String> {
    help.lines()
        .map(str::trim_start)
        .filter_map(|line| {
            // `-h, --help`: the long flag after a short one.
            let short = line.len() > 4 && line.starts_with('-') && &line[2..4] == ", ";
            let line = if short { &line[4..] } else { line };
            let flag = line.split([' ', '=']).next()?;
            (flag.starts_with("--") && flag.len() > 2).then(|| flag.to_owned())
        })
        .filter(|flag| flag != "--help" && flag != "--version")
        .collect()
}

/// The flags of the table under `## {command}` in the proxy's reference page.
fn flags_in_book(page: &str, command: &str) -> Option<BTreeSet<String>> {
    let heading = format!("## {command}");
    let section: Vec<&str> = page
        .lines()
        .skip_while(|line| line.trim_end() != heading)
        .skip(1)
        .take_while(|line| !line.starts_with("## "))
        .collect();
    if section.is_empty() {
        return None;
    }
    Some(
        section
            .iter()
            .skip_while(|line| !line.starts_with("| flag |"))
            .skip(2)
            .take_while(|line| line.starts_with('|'))
            .filter_map(|line| line.split('|').nth(1))
            .map(|cell| cell.trim().trim_matches('`').to_owned())
            .filter(|cell| cell.starts_with("--"))
            .collect(),
    )
}

#[test]
fn every_subcommands_flags_are_the_books_both_ways() {
    let page = std::fs::read_to_string(book().join("reference/proxy.md"))
        .expect("docs/src/reference/proxy.md");
    let leaves = leaf_commands();
    assert!(leaves.len() >= 7, "the commands: {leaves:?}");
    for words in leaves {
        let command = words.join(" ");
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        let in_help = flags_in_help(&help(&refs));
        let in_book = flags_in_book(&page, &command)
            .unwrap_or_else(|| panic!("no `## {command}` section in docs/src/reference/proxy.md"));
        let missing: Vec<_> = in_help.difference(&in_book).collect();
        let unknown: Vec<_> = in_book.difference(&in_help).collect();
        assert!(
            missing.is_empty() && unknown.is_empty(),
            "{command}: flags of --help missing from the book: {missing:?}; flags in the book that --help lacks: {unknown:?}"
        );
    }
}

/// Every Markdown page of the book.
fn pages(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the book's folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            pages(&path, into);
        } else if path.extension().is_some_and(|e| e == "md") {
            into.push(path);
        }
    }
}

#[test]
fn every_included_snippet_is_a_file_and_an_anchor_that_exist() {
    let mut all = Vec::new();
    pages(&book(), &mut all);
    let mut includes = 0;
    for page in all {
        let text = std::fs::read_to_string(&page).expect("a page");
        for include in text.split("{{#include ").skip(1) {
            let target = include.split("}}").next().expect("a closed include").trim();
            let (file, anchor) = match target.rsplit_once(':') {
                Some((file, anchor)) if !anchor.chars().all(|c| c.is_ascii_digit() || c == ':') => {
                    (file, Some(anchor))
                }
                _ => (target, None),
            };
            let path = page.parent().expect("a folder").join(file);
            let source = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: includes {file}: {e}", page.display()));
            if let Some(anchor) = anchor {
                for mark in [format!("ANCHOR: {anchor}"), format!("ANCHOR_END: {anchor}")] {
                    assert!(
                        source.contains(&mark),
                        "{}: {file} has no `{mark}`",
                        page.display()
                    );
                }
            }
            includes += 1;
        }
    }
    assert!(includes > 0, "the guide's code comes from the examples");
}

/// mdBook's id of a heading: lower case, spaces as `-`, other punctuation dropped.
fn heading_id(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_lowercase().next()?),
            _ => None,
        })
        .collect()
}

/// The ids of a page's headings (outside its code blocks).
fn heading_ids(text: &str) -> Vec<String> {
    let mut fenced = false;
    let mut ids = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            let title = line.trim_start_matches('#').replace('`', "");
            // A link in a heading counts by its text.
            let title = title.replace("](", " ").replace(['[', ']'], "");
            ids.push(heading_id(&title));
        }
    }
    ids
}

#[test]
fn every_link_to_a_heading_of_the_book_finds_it() {
    // mdbook-linkcheck checks that linked pages exist; this checks the `#…` part too.
    let mut all = Vec::new();
    pages(&book(), &mut all);
    let mut checked = 0;
    for page in &all {
        let text = std::fs::read_to_string(page).expect("a page");
        for link in text.split("](").skip(1) {
            let target = link.split(')').next().unwrap_or("");
            let Some((file, anchor)) = target.split_once('#') else {
                continue;
            };
            if file.contains("://") {
                continue;
            }
            let linked = if file.is_empty() {
                page.clone()
            } else {
                page.parent().expect("a folder").join(file)
            };
            let linked_text = std::fs::read_to_string(&linked)
                .unwrap_or_else(|e| panic!("{}: links to {file}: {e}", page.display()));
            assert!(
                heading_ids(&linked_text).iter().any(|id| id == anchor),
                "{}: links to {target}, but {} has no heading #{anchor}",
                page.display(),
                linked.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "the book links to its headings");
}
