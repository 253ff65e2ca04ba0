//! `check_block` (context-free block checks) on Bitcoin Core's bench block,
//! for comparison with Core's `CheckBlockTest` on the same bytes.

use consensus::check::check_block;
use consensus::ChainParams;
use criterion::{criterion_group, criterion_main, Criterion};
use primitives::{shared::read_vector, Block};

fn bench(c: &mut Criterion) {
    let bytes = read_vector(env!("CARGO_MANIFEST_DIR"), "bitcoin-core/block413567.raw");
    let params = ChainParams::main();
    let mut group = c.benchmark_group("block413567");
    group.bench_function("check_block", |b| {
        b.iter(|| {
            // As Core's CheckBlockTest: decode, then check.
            let block = Block::from_bytes(std::hint::black_box(&bytes)).expect("decodes");
            check_block(&block, &params).expect("valid")
        })
    });
    let block = Block::from_bytes(&bytes).expect("decodes");
    group.bench_function("check_block_predecoded", |b| {
        b.iter(|| check_block(std::hint::black_box(&block), &params).expect("valid"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
