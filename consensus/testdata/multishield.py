# Independent transcription of DESIGN.md section 3 (MultiShield + geometric-mean work).
def set_compact(bits):
    size = bits >> 24; mant = bits & 0x7fffff
    return mant >> (8*(3-size)) if size <= 3 else mant << (8*(size-3))
def get_compact(t):
    size = (t.bit_length() + 7) // 8
    if size <= 3: c = (t << (8*(3-size))) & 0xffffffff
    else: c = t >> (8*(size-3))
    if c & 0x00800000: c >>= 8; size += 1
    return c | (size << 24)
def iroot(x, n):
    lo, hi = 0, 1 << (x.bit_length()//n + 2)
    while lo < hi:
        mid = (lo + hi + 1)//2
        if mid**n <= x: lo = mid
        else: hi = mid - 1
    return lo
def tdiv(a, b):  # truncate toward zero
    q = abs(a)//abs(b); return q if (a >= 0) == (b > 0) else -q
T0 = 1700000000
base = set_compact(0x1f00ffff)
initial = [base >> a for a in range(5)]
limit = [initial[a] << 4 for a in range(5)]
W = 50; spacing = 60
def algo_of(h):
    if h % 13 < 3: return 0
    if h < 30 and h % 4 == 0: return 4
    return [1, 2, 3][h % 3]
def time_of(h):
    jitter = (h*7919) % 97 - 48
    slow = (h-60)*9 if h > 60 else 0
    return T0 + 60*h + jitter + slow
chain = [(0, T0, 0x1d00ffff, None)]
def mtp(h):
    ts = sorted(c[1] for c in chain[max(0, h-10):h+1]); return ts[len(ts)//2]
def nxt(tip_h, a):
    prev = None
    for c in reversed(chain[1:tip_h+1]):
        if c[3] == a: prev = c; break
    if tip_h < W or prev is None: n = initial[a]
    else:
        ts = W*spacing
        span = mtp(tip_h) - mtp(tip_h - W)
        span = ts + tdiv(span - ts, 4)
        span = max(ts*92//100, min(ts*116//100, span))
        n = set_compact(prev[2]) * span // ts
        k = prev[0] + 4 - tip_h
        if k > 0:
            for _ in range(k): n = n*100//104
        else:
            for _ in range(-k):
                if n >= limit[a]: break
                n = n*104//100
    return get_compact(min(n, limit[a]))
def work(tip_h):
    p = 1
    for a in range(5): p *= (1 << 256)//(set_compact(nxt(tip_h, a)) + 1)
    return iroot(p, 5)
total = (1 << 256)//(set_compact(0x1d00ffff)+1)
for h in range(1, 140):
    a = algo_of(h)
    bits = nxt(h-1, a)
    total += work(h-1)
    chain.append((h, time_of(h), bits, a))
for h in (1, 49, 50, 51, 75, 100, 139): print(h, '%08x' % chain[h][2])
print('total %x' % total)
