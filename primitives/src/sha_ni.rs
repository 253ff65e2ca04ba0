//! Double SHA256 of two messages at once on the CPU's SHA extensions, the
//! two computations interleaved round by round so that each one's
//! instructions fill the other's latency (the shape of Core's 2-way
//! `sha256_x86_shani` transform): merkle node pairs (64 bytes, the padding
//! block's schedule fixed in advance) and transactions (any length, given
//! as parts). Four rounds per step: the message schedule with
//! `sha256msg1`/`sha256msg2`, the rounds with `sha256rnds2` on the state
//! held as ABEF and CDGH.

use std::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_alignr_epi8, _mm_blend_epi16, _mm_loadu_si128, _mm_set_epi64x, _mm_setr_epi32,
    _mm_sha256msg1_epu32, _mm_sha256msg2_epu32, _mm_sha256rnds2_epu32, _mm_shuffle_epi32, _mm_shuffle_epi8,
    _mm_storeu_si128,
};

/// SHA256's round constants (FIPS 180-4, 4.2.2).
const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
];

/// The message schedule of the padding block of a 64-byte message, each
/// word with its round constant added: the same for every input.
const PAD_64_WK: [u32; 64] = schedule_plus_k({
    let mut block = [0u32; 16];
    block[0] = 0x8000_0000;
    block[15] = 512;
    block
});

const fn schedule_plus_k(block: [u32; 16]) -> [u32; 64] {
    let mut w = [0u32; 64];
    let mut t = 0;
    while t < 64 {
        w[t] = if t < 16 {
            block[t]
        } else {
            let s0 = w[t - 15].rotate_right(7) ^ w[t - 15].rotate_right(18) ^ (w[t - 15] >> 3);
            let s1 = w[t - 2].rotate_right(17) ^ w[t - 2].rotate_right(19) ^ (w[t - 2] >> 10);
            w[t - 16].wrapping_add(s0).wrapping_add(w[t - 7]).wrapping_add(s1)
        };
        t += 1;
    }
    let mut t = 0;
    while t < 64 {
        w[t] = w[t].wrapping_add(K[t]);
        t += 1;
    }
    w
}

/// Whether this CPU has the instructions (checked once by the standard library).
pub fn available() -> bool {
    std::arch::is_x86_feature_detected!("sha") && std::arch::is_x86_feature_detected!("sse4.1")
}

/// SHA256D of each of two 64-byte inputs.
pub fn sha256d64_x2(inputs: [&[u8; 64]; 2]) -> [[u8; 32]; 2] {
    assert!(available(), "sha256d64_x2 needs the SHA extensions");
    // SAFETY: the CPU has the features the function is compiled for.
    unsafe { sha256d64_x2_impl(inputs) }
}

/// SHA256D of each of two messages, each the concatenation of its parts.
pub fn sha256d_x2(messages: [&[&[u8]]; 2]) -> [[u8; 32]; 2] {
    assert!(available(), "sha256d_x2 needs the SHA extensions");
    // SAFETY: the CPU has the features the function is compiled for.
    unsafe { sha256d_x2_impl(messages) }
}

/// The state as the instructions want it: (ABEF, CDGH).
type State = [__m128i; 2];

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn initial_state() -> State {
    to_abef_cdgh(
        _mm_setr_epi32(0x6a09e667, 0xbb67ae85_u32 as i32, 0x3c6ef372, 0xa54ff53a_u32 as i32),
        _mm_setr_epi32(0x510e527f, 0x9b05688c_u32 as i32, 0x1f83d9ab, 0x5be0cd19),
    )
}

/// A 64-byte block as four vectors of big-endian words.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn load_block(bytes: &[u8; 64]) -> [__m128i; 4] {
    let swap = _mm_set_epi64x(0x0c0d_0e0f_0809_0a0b, 0x0405_0607_0001_0203);
    [0, 1, 2, 3].map(|i| _mm_shuffle_epi8(_mm_loadu_si128(bytes.as_ptr().add(16 * i).cast()), swap))
}

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn sha256d64_x2_impl(inputs: [&[u8; 64]; 2]) -> [[u8; 32]; 2] {
    let mut state = [initial_state(); 2];
    transform(&mut state, [load_block(inputs[0]), load_block(inputs[1])]);
    transform_scheduled(&mut state, &PAD_64_WK);
    second_hash(state)
}

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn sha256d_x2_impl(messages: [&[&[u8]]; 2]) -> [[u8; 32]; 2] {
    let mut blocks = messages.map(PaddedBlocks::new);
    let mut state = [initial_state(); 2];
    let mut buffers = [[0u8; 64]; 2];
    loop {
        let [first, second] = &mut buffers;
        match (blocks[0].next_into(first), blocks[1].next_into(second)) {
            (true, true) => transform(&mut state, [load_block(first), load_block(second)]),
            (true, false) => transform_one(&mut state[0], load_block(first)),
            (false, true) => transform_one(&mut state[1], load_block(second)),
            (false, false) => break,
        }
    }
    second_hash(state)
}

/// The SHA256 of each 32-byte digest the states hold, as bytes.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn second_hash(first: [State; 2]) -> [[u8; 32]; 2] {
    // The digest's words are the state's; then its padding.
    let message = first.map(|s| {
        let (dcba, hgfe) = from_abef_cdgh(s);
        [dcba, hgfe, _mm_setr_epi32(0x8000_0000_u32 as i32, 0, 0, 0), _mm_setr_epi32(0, 0, 0, 256)]
    });
    let mut state = [initial_state(); 2];
    transform(&mut state, message);
    let swap = _mm_set_epi64x(0x0c0d_0e0f_0809_0a0b, 0x0405_0607_0001_0203);
    state.map(|s| {
        let (dcba, hgfe) = from_abef_cdgh(s);
        let mut out = [0u8; 32];
        _mm_storeu_si128(out.as_mut_ptr().cast(), _mm_shuffle_epi8(dcba, swap));
        _mm_storeu_si128(out.as_mut_ptr().add(16).cast(), _mm_shuffle_epi8(hgfe, swap));
        out
    })
}

/// A message given as parts, cut into 64-byte blocks with SHA256's padding
/// (0x80, zeros, the length in bits) after its last byte.
struct PaddedBlocks<'a> {
    parts: &'a [&'a [u8]],
    /// The next unread byte: which part, where in it.
    part: usize,
    offset: usize,
    length: u64,
    /// Whether the 0x80 and the length are written.
    marked: bool,
    done: bool,
}

impl<'a> PaddedBlocks<'a> {
    fn new(parts: &'a [&'a [u8]]) -> Self {
        let length = parts.iter().map(|p| p.len() as u64).sum();
        PaddedBlocks { parts, part: 0, offset: 0, length, marked: false, done: false }
    }

    /// Fills `block` with the next block; false once the padding is out.
    fn next_into(&mut self, block: &mut [u8; 64]) -> bool {
        if self.done {
            return false;
        }
        let mut filled = 0;
        while filled < 64 && self.part < self.parts.len() {
            let part = self.parts[self.part];
            let take = (part.len() - self.offset).min(64 - filled);
            block[filled..filled + take].copy_from_slice(&part[self.offset..self.offset + take]);
            filled += take;
            self.offset += take;
            if self.offset == part.len() {
                self.part += 1;
                self.offset = 0;
            }
        }
        if filled == 64 {
            return true;
        }
        block[filled..].fill(0);
        if !self.marked {
            block[filled] = 0x80;
            self.marked = true;
            filled += 1;
        }
        if filled <= 56 {
            block[56..].copy_from_slice(&(self.length * 8).to_be_bytes());
            self.done = true;
        }
        true
    }
}

/// (a b c d, e f g h) in lane order to (ABEF, CDGH).
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn to_abef_cdgh(dcba: __m128i, hgfe: __m128i) -> State {
    let cdab = _mm_shuffle_epi32::<0xB1>(dcba);
    let efgh = _mm_shuffle_epi32::<0x1B>(hgfe);
    [_mm_alignr_epi8::<8>(cdab, efgh), _mm_blend_epi16::<0xF0>(efgh, cdab)]
}

/// (ABEF, CDGH) back to (a b c d, e f g h) in lane order.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn from_abef_cdgh([abef, cdgh]: State) -> (__m128i, __m128i) {
    let feba = _mm_shuffle_epi32::<0x1B>(abef);
    let dchg = _mm_shuffle_epi32::<0xB1>(cdgh);
    (_mm_blend_epi16::<0xF0>(feba, dchg), _mm_alignr_epi8::<8>(dchg, feba))
}

/// One compression on each of two states of the same block, whose schedule
/// (plus round constants) is given.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn transform_scheduled(state: &mut [State; 2], schedule: &[u32; 64]) {
    let saved = *state;
    for group in 0..16 {
        let wk = _mm_loadu_si128(schedule.as_ptr().add(4 * group).cast());
        let wk_high = _mm_shuffle_epi32::<0x0E>(wk);
        for lane in state.iter_mut() {
            let [abef, cdgh] = *lane;
            let after_two = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            *lane = [_mm_sha256rnds2_epu32(abef, after_two, wk_high), after_two];
        }
    }
    for (lane, saved) in state.iter_mut().zip(saved) {
        *lane = [_mm_add_epi32(lane[0], saved[0]), _mm_add_epi32(lane[1], saved[1])];
    }
}

/// Two rounds on `state` (ABEF, CDGH) with `wk` (words plus constants),
/// then two more with its high half: four rounds.
macro_rules! four_rounds {
    ($state:ident, $wk:expr) => {{
        let wk = $wk;
        let after_two = _mm_sha256rnds2_epu32($state[1], $state[0], wk);
        $state = [_mm_sha256rnds2_epu32($state[0], after_two, _mm_shuffle_epi32::<0x0E>(wk)), after_two];
    }};
}

/// The next four schedule words into `$m0` from the sixteen held in
/// `$m0..$m3` (oldest first).
macro_rules! schedule {
    ($m0:ident, $m1:ident, $m2:ident, $m3:ident) => {
        $m0 = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32($m0, $m1), _mm_alignr_epi8::<4>($m3, $m2)), $m3);
    };
}

/// The round constants of group `g` (rounds 4g to 4g+3).
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn k(group: usize) -> __m128i {
    _mm_loadu_si128(K.as_ptr().add(4 * group).cast())
}

/// One compression of a block on one state, unrolled.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn transform_one(state: &mut State, message: [__m128i; 4]) {
    let [mut m0, mut m1, mut m2, mut m3] = message;
    let mut s = *state;
    four_rounds!(s, _mm_add_epi32(m0, k(0)));
    four_rounds!(s, _mm_add_epi32(m1, k(1)));
    four_rounds!(s, _mm_add_epi32(m2, k(2)));
    four_rounds!(s, _mm_add_epi32(m3, k(3)));
    for group in (4..16).step_by(4) {
        schedule!(m0, m1, m2, m3);
        four_rounds!(s, _mm_add_epi32(m0, k(group)));
        schedule!(m1, m2, m3, m0);
        four_rounds!(s, _mm_add_epi32(m1, k(group + 1)));
        schedule!(m2, m3, m0, m1);
        four_rounds!(s, _mm_add_epi32(m2, k(group + 2)));
        schedule!(m3, m0, m1, m2);
        four_rounds!(s, _mm_add_epi32(m3, k(group + 3)));
    }
    *state = [_mm_add_epi32(s[0], state[0]), _mm_add_epi32(s[1], state[1])];
}

/// One compression of a block on each of two states, unrolled and
/// interleaved four rounds at a time.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn transform(state: &mut [State; 2], message: [[__m128i; 4]; 2]) {
    let [[mut a0, mut a1, mut a2, mut a3], [mut b0, mut b1, mut b2, mut b3]] = message;
    let [mut sa, mut sb] = *state;
    macro_rules! both {
        ($group:expr, $a:ident, $b:ident) => {{
            let k = k($group);
            four_rounds!(sa, _mm_add_epi32($a, k));
            four_rounds!(sb, _mm_add_epi32($b, k));
        }};
    }
    both!(0, a0, b0);
    both!(1, a1, b1);
    both!(2, a2, b2);
    both!(3, a3, b3);
    for group in (4..16).step_by(4) {
        schedule!(a0, a1, a2, a3);
        schedule!(b0, b1, b2, b3);
        both!(group, a0, b0);
        schedule!(a1, a2, a3, a0);
        schedule!(b1, b2, b3, b0);
        both!(group + 1, a1, b1);
        schedule!(a2, a3, a0, a1);
        schedule!(b2, b3, b0, b1);
        both!(group + 2, a2, b2);
        schedule!(a3, a0, a1, a2);
        schedule!(b3, b0, b1, b2);
        both!(group + 3, a3, b3);
    }
    let [saved_a, saved_b] = *state;
    *state = [
        [_mm_add_epi32(sa[0], saved_a[0]), _mm_add_epi32(sa[1], saved_a[1])],
        [_mm_add_epi32(sb[0], saved_b[0]), _mm_add_epi32(sb[1], saved_b[1])],
    ];
}

#[cfg(test)]
mod tests {
    use bitcoin::hashes::{sha256d, Hash};

    use super::*;

    #[test]
    fn messages_of_every_length_and_split_equal_the_generic_double_sha256() {
        if !available() {
            eprintln!("no SHA extensions on this CPU: nothing to compare");
            return;
        }
        let bytes: Vec<u8> = (0..400u32).map(|i| (i * 131 + 7) as u8).collect();
        // Lengths around every padding edge (55, 56, 63, 64, ...), paired
        // with lengths that end sooner and later, split into parts.
        for a in 0..200 {
            let b = (a * 7 + 13) % 300;
            let (a_bytes, b_bytes) = (&bytes[..a], &bytes[100..100 + b]);
            let cut = a / 3;
            let a_parts: [&[u8]; 3] = [&a_bytes[..cut], &a_bytes[cut..], &[]];
            let b_parts: [&[u8]; 1] = [b_bytes];
            let [ha, hb] = sha256d_x2([&a_parts, &b_parts]);
            assert_eq!(ha, sha256d::Hash::hash(a_bytes).to_byte_array(), "length {a}");
            assert_eq!(hb, sha256d::Hash::hash(b_bytes).to_byte_array(), "length {b}");
        }
    }
}
