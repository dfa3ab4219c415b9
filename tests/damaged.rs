//! The index loader under random truncation and byte flips: always a clean error or a valid index, never a
//! panic and never an allocation sized from unchecked bytes.

mod common;

use std::path::Path;

use sqa::store::{Index, StoreError};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn random_damage_is_always_detected_or_harmless() {
    let corpus = tempfile::tempdir().unwrap();
    std::fs::write(corpus.path().join("a.md"), "Around 9 Million people live in London.\n\nLondon is known for its financial district.\n").unwrap();
    std::fs::write(corpus.path().join("b.txt"), "The cat sat on the mat.\n").unwrap();
    let (out, _, stderr) = common::run(common::sqa(corpus.path()).args(["index", "."]));
    assert!(out.status.success(), "{stderr}");
    let good = corpus.path().join(".sqa");
    let generation = std::fs::read_to_string(good.join("CURRENT")).unwrap().trim().to_owned();
    let files = ["meta.bin", "vectors.f32", "texts.bin", "lexical.bin"];

    let mut seed = 0x5eed_u64;
    let mut next = |bound: usize| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % bound.max(1)
    };
    let (mut detected, mut harmless) = (0, 0);
    for trial in 0..300 {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path().join(".sqa");
        copy_dir(&good, &dir);
        let victim = dir.join(&generation).join(files[next(files.len())]);
        let mut bytes = std::fs::read(&victim).unwrap();
        if trial % 2 == 0 {
            bytes.truncate(next(bytes.len()));
        } else {
            let at = next(bytes.len());
            bytes[at] ^= 1 << next(8);
        }
        std::fs::write(&victim, &bytes).unwrap();
        match Index::open(&dir) {
            Err(StoreError::Damaged { reason, .. }) => {
                assert!(!reason.contains('\n'));
                detected += 1;
            }
            Err(other) => panic!("trial {trial}: unexpected error {other}"),
            Ok(index) => {
                // Only possible if the damage hit nothing that matters; the index must still read.
                (0..index.len()).for_each(|i| drop(index.passage(i)));
                harmless += 1;
            }
        }
    }
    eprintln!("damage: {detected} detected, {harmless} harmless of 300");
    assert!(detected >= 290);
}

#[test]
fn wrong_version_and_garbage_current_are_refused_with_a_rebuild_hint() {
    let corpus = tempfile::tempdir().unwrap();
    std::fs::write(corpus.path().join("a.md"), "Around 9 Million people live in London.\n").unwrap();
    assert!(common::run(common::sqa(corpus.path()).args(["index", "."])).0.status.success());
    let dir = corpus.path().join(".sqa");
    let generation = std::fs::read_to_string(dir.join("CURRENT")).unwrap().trim().to_owned();
    let meta = dir.join(&generation).join("meta.bin");
    let mut bytes = std::fs::read(&meta).unwrap();
    bytes[8] = 99; // format version
    std::fs::write(&meta, &bytes).unwrap();
    let (out, _, stderr) = common::run(common::sqa(corpus.path()).args(["query", "London"]));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr.lines().count(), 1);
    assert!(stderr.contains("is damaged: format version 99") && stderr.contains("sqa index --rebuild"), "{stderr}");
    std::fs::write(dir.join("CURRENT"), "../../etc\n").unwrap();
    let (out, _, stderr) = common::run(common::sqa(corpus.path()).args(["query", "London"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("is damaged"), "{stderr}");
    // And `sqa index` repairs it.
    let (out, _, stderr) = common::run(common::sqa(corpus.path()).args(["index", "."]));
    assert!(out.status.success() && stderr.contains("rebuilding it"), "{stderr}");
    assert!(common::run(common::sqa(corpus.path()).args(["query", "London"])).0.status.success());
}
