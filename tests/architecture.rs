//! The crate's structure, checked (ARCHITECTURE.md states it):
//!
//! - the core (`src/` without `bin/` and `signing/`) is layered: a module
//!   imports only modules of its own layer or of layers below it;
//! - no module of the core imports, directly or through others, a module
//!   that imports it (no cycle), re-exports followed to where an item lives;
//! - no core file holds more than [`MAX_FILE_LINES`] lines besides its tests;
//! - the trust core (`src/trust/`) stays under [`MAX_TRUST_LINES`].
//!
//! Hand-written over `syn` rather than `cargo-modules`' acyclic check: that
//! tool builds rust-analyzer (minutes on CI's two cores), knows no layers, and
//! counts no lines. Imports are every `use` and every path naming
//! `crate::`, `super::` or `self::` in code that is not `#[cfg(test)]`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// Lines a core file may hold besides its `#[cfg(test)]` items.
const MAX_FILE_LINES: usize = 500;
/// Lines (tests apart) of the whole trust core.
const MAX_TRUST_LINES: usize = 2_150;

/// The layers, bottom first: a module may import its own layer and those
/// before it. A module's layer is its top-level folder; the crate root's
/// own files (lib.rs, serde_impls.rs, fuzzing.rs) are `adapters`.
const LAYERS: &[&str] = &[
    "leaf", "read", "proto", "message", "hash", "trust", "door", "adapters", "signing",
];

/// One module of the crate: its file, and what it names.
struct Module {
    file: PathBuf,
    /// Paths named in non-test code, as written (`crate::a::B`, `super::c`).
    paths: Vec<Vec<String>>,
    /// Names this module re-exports or brings in (`use x::Y;`), and the
    /// path they stand for: followed when another module names them.
    aliases: BTreeMap<String, Vec<String>>,
    /// Names of items defined here (types, functions, constants…).
    items: BTreeSet<String>,
    /// Lines besides `#[cfg(test)]` items.
    lines: usize,
    /// Of those, lines of code: not blank, not only a comment.
    code: usize,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// `src/a/b.rs` and `src/a/b/mod.rs` are module `a::b`; `src/lib.rs` is
/// the root (an empty path); `src/fuzzing.rs` is mounted as `__fuzz`.
fn module_path(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).expect("under src/");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    if parts == ["fuzzing"] {
        parts = vec!["__fuzz".into()];
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable src/") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "bin") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

/// Collects the paths a file names outside its tests.
#[derive(Default)]
struct Collector {
    paths: Vec<Vec<String>>,
    aliases: BTreeMap<String, Vec<String>>,
    items: BTreeSet<String>,
    test_spans: Vec<(usize, usize)>,
    /// Child modules declared `#[cfg(test)] mod x;` (a test file).
    test_children: Vec<String>,
}

fn use_paths(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<(String, Vec<String>)>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_paths(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let mut full = prefix.clone();
            let name = n.ident.to_string();
            if name != "self" {
                full.push(name.clone());
            }
            let alias = if name == "self" {
                prefix.last().cloned().unwrap_or_default()
            } else {
                name
            };
            out.push((alias, full));
        }
        syn::UseTree::Rename(r) => {
            let mut full = prefix.clone();
            full.push(r.ident.to_string());
            out.push((r.rename.to_string(), full));
        }
        syn::UseTree::Glob(_) => out.push(("*".into(), prefix.clone())),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_paths(t, prefix, out);
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Struct(s) => &s.attrs,
            syn::Item::Enum(e) => &e.attrs,
            syn::Item::Const(c) => &c.attrs,
            syn::Item::Static(s) => &s.attrs,
            _ => return syn::visit::visit_item(self, item),
        };
        if is_cfg_test(attrs) {
            use syn::spanned::Spanned;
            if let syn::Item::Mod(m) = item {
                if m.content.is_none() {
                    self.test_children.push(m.ident.to_string());
                }
            }
            let span = item.span();
            self.test_spans.push((span.start().line, span.end().line));
            return;
        }
        let name = match item {
            syn::Item::Fn(f) => Some(f.sig.ident.to_string()),
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            syn::Item::Enum(e) => Some(e.ident.to_string()),
            syn::Item::Const(c) => Some(c.ident.to_string()),
            syn::Item::Static(s) => Some(s.ident.to_string()),
            _ => None,
        };
        self.items.extend(name);
        syn::visit::visit_item(self, item);
    }

    fn visit_item_type(&mut self, t: &'ast syn::ItemType) {
        self.items.insert(t.ident.to_string());
        syn::visit::visit_item_type(self, t);
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        self.items.insert(t.ident.to_string());
        syn::visit::visit_item_trait(self, t);
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let mut found = Vec::new();
        use_paths(&u.tree, &mut Vec::new(), &mut found);
        for (alias, path) in found {
            self.paths.push(path.clone());
            self.aliases.insert(alias, path);
        }
    }

    // `pub(super)` and `pub(in crate::x)` name modules, not imports.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        if segments
            .first()
            .is_some_and(|s| s == "crate" || s == "super" || s == "self")
        {
            self.paths.push(segments);
        }
        syn::visit::visit_path(self, p);
    }
}

fn load() -> BTreeMap<Vec<String>, Module> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut modules = BTreeMap::new();
    let mut test_modules = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable source");
        let ast = syn::parse_file(&text).expect("the crate's source parses");
        let mut c = Collector::default();
        c.visit_file(&ast);
        let test_lines: usize = c.test_spans.iter().map(|(a, b)| b + 1 - a).sum();
        let lines = text.lines().count() - test_lines;
        let code = text
            .lines()
            .enumerate()
            .filter(|(i, _)| {
                !c.test_spans
                    .iter()
                    .any(|(a, b)| (*a..=*b).contains(&(i + 1)))
            })
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with("//"))
            .count();
        for child in &c.test_children {
            let mut path = module_path(&file);
            path.push(child.clone());
            test_modules.push(path);
        }
        modules.insert(
            module_path(&file),
            Module {
                file,
                paths: c.paths,
                aliases: c.aliases,
                items: c.items,
                lines,
                code,
            },
        );
    }
    // Test files are tests: no layer, no line budget.
    for path in test_modules {
        modules.remove(&path);
    }
    modules
}

/// The module an absolute path (no `crate`) leads to, following `use`
/// aliases to where the item lives; `None` outside the crate.
fn resolve(
    modules: &BTreeMap<Vec<String>, Module>,
    path: &[String],
    depth: usize,
) -> Option<Vec<String>> {
    let mut at: Vec<String> = Vec::new();
    for (i, seg) in path.iter().enumerate() {
        let mut next = at.clone();
        next.push(seg.clone());
        if modules.contains_key(&next) {
            at = next;
            continue;
        }
        let module = modules.get(&at)?;
        if module.items.contains(seg) || depth > 16 {
            return Some(at);
        }
        if let Some(target) = module.aliases.get(seg) {
            let mut full = absolute(&at, target)?;
            full.extend(path.iter().skip(i + 1).cloned());
            return resolve(modules, &full, depth + 1);
        }
        return Some(at);
    }
    Some(at)
}

/// `path` as named in module `at`, made absolute; `None` for paths that
/// leave the crate (`core::`, `sha2::`, …) or name a local binding.
fn absolute(at: &[String], path: &[String]) -> Option<Vec<String>> {
    let mut out = at.to_vec();
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") => {
            out.clear();
            rest = &path[1..];
        }
        Some("super") => {
            while rest.first().is_some_and(|s| s == "super") {
                out.pop();
                rest = &rest[1..];
            }
        }
        Some("self") => rest = &path[1..],
        _ => {
            // A child module named without `self::` (`use child::X;`).
            let mut child = at.to_vec();
            child.push(path.first()?.clone());
            let _ = child;
            out.push(path.first()?.clone());
            rest = &path[1..];
            let mut full = out;
            full.extend(rest.iter().cloned());
            return Some(full);
        }
    }
    out.extend(rest.iter().cloned());
    Some(out)
}

fn layer(module: &[String]) -> &'static str {
    let top = module.first().map(String::as_str).unwrap_or("");
    LAYERS
        .iter()
        .find(|l| **l == top)
        .copied()
        .unwrap_or("adapters")
}

fn rank(module: &[String]) -> usize {
    let l = layer(module);
    LAYERS.iter().position(|x| *x == l).unwrap_or(usize::MAX)
}

fn name(module: &[String]) -> String {
    if module.is_empty() {
        "crate".into()
    } else {
        module.join("::")
    }
}

fn is_core(module: &[String]) -> bool {
    layer(module) != "signing" && !module.is_empty()
}

/// Every import between two modules of the core: importer → imported.
fn edges(modules: &BTreeMap<Vec<String>, Module>) -> BTreeSet<(Vec<String>, Vec<String>)> {
    edges_named(modules).into_keys().collect()
}

/// [`edges`], each with one path that makes it (for messages).
fn edges_named(
    modules: &BTreeMap<Vec<String>, Module>,
) -> BTreeMap<(Vec<String>, Vec<String>), String> {
    let mut out = BTreeMap::new();
    for (at, module) in modules {
        if !is_core(at) {
            continue;
        }
        for path in &module.paths {
            let relative = matches!(
                path.first().map(String::as_str),
                Some("crate" | "super" | "self")
            ) || path.first().is_some_and(|p| {
                let mut child = at.clone();
                child.push(p.clone());
                modules.contains_key(&child)
            });
            if !relative {
                continue;
            }
            let Some(full) = absolute(at, path) else {
                continue;
            };
            let Some(target) = resolve(modules, &full, 0) else {
                continue;
            };
            // Imports of `signing` are kept: they run upwards, and the
            // layering test names them.
            if target != *at && !target.is_empty() {
                out.entry((at.clone(), target))
                    .or_insert_with(|| path.join("::"));
            }
        }
    }
    out
}

#[test]
fn layers_import_only_downwards() {
    let modules = load();
    let upward: Vec<String> = edges(&modules)
        .into_iter()
        .filter(|(from, to)| rank(to) > rank(from))
        .map(|(from, to)| {
            format!(
                "{} ({}) imports {} ({})",
                name(&from),
                layer(&from),
                name(&to),
                layer(&to)
            )
        })
        .collect();
    assert!(upward.is_empty(), "upward imports:\n{}", upward.join("\n"));
}

#[test]
fn no_module_imports_its_importers() {
    let modules = load();
    let named = edges_named(&modules);
    let edges: BTreeSet<_> = named.keys().cloned().collect();
    let mut graph: BTreeMap<&Vec<String>, Vec<&Vec<String>>> = BTreeMap::new();
    for (from, to) in &edges {
        graph.entry(from).or_default().push(to);
    }
    // Depth-first search with colours; a grey successor closes a cycle.
    let mut colour: BTreeMap<&Vec<String>, u8> = BTreeMap::new();
    let mut cycles = Vec::new();
    for start in graph.keys() {
        let mut stack: Vec<(&Vec<String>, usize)> = vec![(start, 0)];
        if colour.get(start).copied().unwrap_or(0) != 0 {
            continue;
        }
        colour.insert(start, 1);
        while let Some((node, next)) = stack.pop() {
            let succ = graph.get(node).map(Vec::as_slice).unwrap_or(&[]);
            if let Some(&to) = succ.get(next) {
                stack.push((node, next + 1));
                match colour.get(to).copied().unwrap_or(0) {
                    0 => {
                        colour.insert(to, 1);
                        stack.push((to, 0));
                    }
                    1 => {
                        let from = stack.iter().position(|(n, _)| *n == to).unwrap_or(0);
                        let mut ring: Vec<&Vec<String>> =
                            stack[from..].iter().map(|(n, _)| *n).collect();
                        ring.push(to);
                        let steps: Vec<String> = ring
                            .windows(2)
                            .map(|w| {
                                let why = named
                                    .get(&(w[0].clone(), w[1].clone()))
                                    .map(String::as_str)
                                    .unwrap_or("?");
                                format!("{} -> {} (`{why}`)", name(w[0]), name(w[1]))
                            })
                            .collect();
                        cycles.push(steps.join(", "));
                    }
                    _ => {}
                }
            } else {
                colour.insert(node, 2);
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn every_core_file_has_one_job() {
    let modules = load();
    let long: Vec<String> = modules
        .iter()
        .filter(|(at, m)| is_core(at) && m.lines > MAX_FILE_LINES)
        .map(|(_, m)| format!("{}: {} lines besides tests", m.file.display(), m.lines))
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_FILE_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_trust_core_stays_small() {
    let modules = load();
    let trust = || modules.iter().filter(|(at, _)| layer(at) == "trust");
    let lines: usize = trust().map(|(_, m)| m.lines).sum();
    let code: usize = trust().map(|(_, m)| m.code).sum();
    for (at, m) in trust() {
        println!("{}: {} lines, {} of code", name(at), m.lines, m.code);
    }
    println!("src/trust/: {lines} lines besides tests, {code} of code");
    assert!(lines <= MAX_TRUST_LINES, "src/trust/ holds {lines} lines");
}

/// The checker itself: it sees an import this file's author knows of, and
/// the ones it must not miss (a re-export followed to its home).
#[test]
fn the_checker_sees_known_imports() {
    let modules = load();
    let edges = edges(&modules);
    let has = |from: &str, to: &str| edges.iter().any(|(f, t)| name(f) == from && name(t) == to);
    assert!(has("trust::quorum", "trust::config"));
    // `crate::leaf::CanonicalHash` is re-exported by leaf/mod.rs: the
    // import is of leaf::hash, where the type lives.
    assert!(has("trust::quorum", "leaf::hash"));
    assert!(has("door::relay::walk", "trust::candidate"));
    assert!(!has("leaf::stats", "leaf"), "a re-export is followed home");
}
