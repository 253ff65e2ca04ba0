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
}

criterion_group!(benches, bench);
criterion_main!(benches);
