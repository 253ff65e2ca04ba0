//! Block-sequence tests in the style of btcd's fullblocktests: chains and
//! forks are built in memory under main's rules (with easy targets) and each
//! block is `accepted`, `accepted_side` or `rejected` with Core's exact reason.

mod generator;
mod market;
mod reorgs;
mod rules;
