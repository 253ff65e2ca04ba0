//! `deserialize_block` on Bitcoin Core's bench block, for comparison with
//! Core's `DeserializeBlockTest` on the same bytes.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use primitives::{shared::read_vector, Block};

fn bench(c: &mut Criterion) {
    let bytes = read_vector(env!("CARGO_MANIFEST_DIR"), "bitcoin-core/block413567.raw");
    let mut group = c.benchmark_group("block413567");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("deserialize_block", |b| {
        b.iter(|| Block::from_bytes(std::hint::black_box(&bytes)).expect("decodes"))
    });
    let block = Block::from_bytes(&bytes).expect("decodes");
    group.bench_function("serialize_block", |b| b.iter(|| std::hint::black_box(&block).serialize()));
    group.bench_function("merkle_root", |b| b.iter(|| std::hint::black_box(&block).compute_merkle_root()));
    group.finish();

    // Core's MerkleRoot bench: 9,001 leaves; beside it, the generic double
    // SHA256 of one 64-byte pair (the floor per internal node).
    let leaves: Vec<[u8; 32]> = (0..9001u32)
        .map(|i| std::array::from_fn(|j| (i.wrapping_mul(2654435761) >> (j % 4 * 8)) as u8 ^ j as u8))
        .collect();
    let mut merkle = c.benchmark_group("merkle");
    merkle.throughput(Throughput::Elements(leaves.len() as u64));
    merkle.bench_function("merkle_root_9001", |b| {
        b.iter(|| primitives::merkle::compute_root(std::hint::black_box(leaves.clone())))
    });
    merkle.finish();
    let pair = [7u8; 64];
    let mut raw = c.benchmark_group("sha256d_64");
    raw.throughput(Throughput::Elements(1));
    raw.bench_function("generic", |b| {
        use bitcoin::hashes::{sha256d, Hash};
        b.iter(|| sha256d::Hash::hash(std::hint::black_box(&pair)))
    });
    raw.bench_function("sha256d64", |b| b.iter(|| primitives::merkle::sha256d64(std::hint::black_box(&pair))));
    raw.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
