// gemm.cu -- the matrix multiply C = alpha * op(A) @ op(B) + beta * C, in three stages.
//
// Every matrix is row-major (C order, the NumPy default). op(A) is (M, K), op(B) is (K, N) and C
// is (M, N). A transpose is never materialised: it is a different way of reading the same memory.
//
//   TRANS_A == false: A is stored (M, K) with row stride lda:   op(A)[m][k] = A[m * lda + k]
//   TRANS_A == true:  A is stored (K, M) with row stride lda:   op(A)[m][k] = A[k * lda + m]
//   (B likewise, with (K, N) / (N, K) and ldb; C is always (M, N) with row stride ldc.)
//
// Batches: blockIdx.z chooses the matrix of a batch. A, B and C move on by strideA, strideB and
// strideC elements per batch entry; a stride of 0 reuses one matrix for the whole batch, which is
// how NumPy's broadcasting of batch dimensions is done without copying.
//
// As in BLAS, beta == 0 means "C is not read", so C may hold garbage (even NaN) beforehand.
// Offsets are 64-bit (long long): a batch of large matrices passes 2^31 elements quickly. The
// sizes M, N, K themselves are 32-bit ints; the Python wrappers check that they fit.
//
// The stages, slowest to fastest (benchmarks/cuda_sgemm.py measures each against cuBLAS):
//   gemm_naive      one thread per element of C, every operand read straight from global memory.
//   gemm_smem       32x32 tiles of A and B staged in shared memory: each global value is read once
//                   per block instead of once per thread.
//   sgemm_regtile2d each thread computes a TM x TN block of C held in registers, from BK-deep
//                   slices of A and B in (double-buffered) shared memory, loaded with float4.
// gemm_naive and gemm_smem are templates on the element type (float and double); the register
// tiled kernel is float only. gemm_splitk_reduce finishes a split-K product (see below).

// op(X)[r][c] for a matrix X stored either way round.
template <typename T, bool TRANS>
__device__ __forceinline__ T load_op(const T* X, long long ld, long long r, long long c)
{
    return TRANS ? X[c * ld + r] : X[r * ld + c];
}

// C[i] = alpha * acc + beta * C[i], without reading C when beta == 0.
template <typename T>
__device__ __forceinline__ void store_scaled(T* C, long long i, T alpha, T acc, T beta)
{
    C[i] = (beta == T(0)) ? alpha * acc : alpha * acc + beta * C[i];
}

// ------------------------------------------------------------------------------------ stage 1: naive
//
// Block (16, 16), grid (ceil(N / 16), ceil(M / 16), batch). threadIdx.x runs along the columns n,
// so the 32 threads of a warp read 32 neighbouring values of a row of B and write 32 neighbouring
// values of C: those accesses are coalesced. The K loop reads A and B from global memory (or cache)
// once per thread: 2*K loads per 2*K flops, which is why this stage is slow.
template <typename T, bool TRANS_A, bool TRANS_B>
__global__ void gemm_naive(int M, int N, int K, T alpha,
                           const T* __restrict__ A, long long lda, long long strideA,
                           const T* __restrict__ B, long long ldb, long long strideB,
                           T beta, T* __restrict__ C, long long ldc, long long strideC)
{
    const int n = blockIdx.x * blockDim.x + threadIdx.x;
    const int m = blockIdx.y * blockDim.y + threadIdx.y;
    if (m >= M || n >= N) return;
    const long long batch = blockIdx.z;
    A += batch * strideA;
    B += batch * strideB;
    C += batch * strideC;

    T acc = T(0);
    for (int k = 0; k < K; ++k)
        acc += load_op<T, TRANS_A>(A, lda, m, k) * load_op<T, TRANS_B>(B, ldb, k, n);
    store_scaled(C, (long long)m * ldc + n, alpha, acc, beta);
}

// ------------------------------------------------------------------------------------ stage 2: shared-memory tiles
//
// Block (32, 32) computes one 32x32 tile of C, one thread per element; grid (ceil(N / 32),
// ceil(M / 32), batch). The block walks along K in steps of 32. At each step every thread copies
// one element of op(A)'s tile and one of op(B)'s tile into shared memory; after __syncthreads()
// each thread reads a row of As and a column of Bs from shared memory. A value of A or B is fetched
// from global memory once per block instead of once per thread: 32 times less traffic.
//
// The copy is arranged so that neighbouring threads (threadIdx.x) read neighbouring addresses in
// global memory whichever way the operand is stored: for a transposed operand the thread's (x, y)
// roles swap. The tiles are 33 wide so that the swapped (column-wise) writes to shared memory fall
// into 32 different banks instead of one. Out-of-range elements of an edge tile are stored as 0,
// so the inner loop needs no bounds checks.
#define SMEM_TILE 32

template <typename T, bool TRANS_A, bool TRANS_B>
__global__ void __launch_bounds__(SMEM_TILE * SMEM_TILE)
gemm_smem(int M, int N, int K, T alpha,
          const T* __restrict__ A, long long lda, long long strideA,
          const T* __restrict__ B, long long ldb, long long strideB,
          T beta, T* __restrict__ C, long long ldc, long long strideC)
{
    __shared__ T As[SMEM_TILE][SMEM_TILE + 1];  // As[r][c] = op(A)[m0 + r][k0 + c]
    __shared__ T Bs[SMEM_TILE][SMEM_TILE + 1];  // Bs[r][c] = op(B)[k0 + r][n0 + c]

    const int tx = threadIdx.x, ty = threadIdx.y;
    const int m0 = blockIdx.y * SMEM_TILE, n0 = blockIdx.x * SMEM_TILE;
    const long long batch = blockIdx.z;
    A += batch * strideA;
    B += batch * strideB;
    C += batch * strideC;

    // Which element of each tile this thread copies (row r, column c of the tile).
    const int ar = TRANS_A ? tx : ty, ac = TRANS_A ? ty : tx;  // A stored (K, M): m is contiguous
    const int br = TRANS_B ? tx : ty, bc = TRANS_B ? ty : tx;  // B stored (N, K): k is contiguous

    T acc = T(0);
    for (int k0 = 0; k0 < K; k0 += SMEM_TILE) {
        As[ar][ac] = (m0 + ar < M && k0 + ac < K) ? load_op<T, TRANS_A>(A, lda, m0 + ar, k0 + ac) : T(0);
        Bs[br][bc] = (k0 + br < K && n0 + bc < N) ? load_op<T, TRANS_B>(B, ldb, k0 + br, n0 + bc) : T(0);
        __syncthreads();  // the tiles are complete
#pragma unroll
        for (int kk = 0; kk < SMEM_TILE; ++kk)
            acc += As[ty][kk] * Bs[kk][tx];  // As: one address per warp (broadcast); Bs: 32 banks
        __syncthreads();  // everyone is done with the tiles before they are overwritten
    }
    if (m0 + ty < M && n0 + tx < N)
        store_scaled(C, (long long)(m0 + ty) * ldc + (n0 + tx), alpha, acc, beta);
}

// ------------------------------------------------------------------------------------ stage 3: 2-D register tiles
//
// A block of THREADS = (BM / TM) * (BN / TN) threads computes a BM x BN tile of C; each thread
// computes TM x TN elements of it and keeps them in registers (acc). Grid: (ceil(N / BN),
// ceil(M / BM), batch * splits). Per step of BK along K:
//
//   1. the block copies op(A)[m0 : m0+BM, k : k+BK] into As[k][m] and op(B)[k : k+BK, n0 : n0+BN]
//      into Bs[k][n] (shared memory, both stored k-major so that a thread's TM values of A and TN
//      values of B for one k are contiguous and can be read as float4);
//   2. for each of the BK values of k, a thread reads TM values of A and TN of B from shared memory
//      and does TM * TN fused multiply-adds: (TM + TN) shared loads feed TM * TN FMAs, against
//      2 loads per FMA in stage 2. This ratio is what makes the stage fast.
//
// Global -> shared copies use 16-byte float4 loads when VEC is true. The Python wrapper sets VEC
// only when every float4 is either wholly inside the matrix or wholly outside it and 16-byte
// aligned: base pointers aligned to 16 bytes, the contiguous extent of each operand (K or M for A,
// N or K for B, N for C), the leading dimensions and batch strides all multiples of 4. Otherwise
// VEC is false and the same copies are done one float at a time with a bounds check per element.
//
// Double buffering: there are two copies of As and Bs. While the block computes on buffer `cur`,
// each thread has already issued the global loads of the next K step into registers (a_next,
// b_next); they are written to the other buffer after the arithmetic, so the memory latency hides
// behind the FMAs and one __syncthreads() per step suffices.
//
// Which elements a thread owns: thread (tr, tc) = (tid / (BN / TN), tid % (BN / TN)) owns rows
//   m0 + g * (BM / TM) * 4 + tr * 4 + v   for g < TM / 4, v < 4
// and likewise columns. In words: the thread's TM rows are TM / 4 groups of 4 neighbouring rows,
// the groups half a tile apart (for TM = 8). Neighbouring threads then read neighbouring float4s of
// Bs (no bank conflicts) and write neighbouring float4s of C (coalesced).
//
// Split-K: with few tiles of C (small M * N, long K) a grid of BM x BN tiles cannot fill the GPU.
// Then the K range is cut into `splits` chunks of k_chunk (a multiple of BK); blockIdx.z =
// batch * splits + split, each block writes its partial product (alpha = 1, beta = 0) into a
// workspace (batch, splits, M, N) and gemm_splitk_reduce adds the partials. No atomics, so the
// result is deterministic.
#define REGTILE_PAD 4  // shared rows padded by one float4: transposed stores spread over the banks

// Load 4 consecutive elements p[0..3] of a row, of which those with index first + v < limit exist.
template <bool VEC>
__device__ __forceinline__ float4 load4(const float* __restrict__ p, bool row_ok, int first, int limit)
{
    float4 r = make_float4(0.f, 0.f, 0.f, 0.f);
    if (VEC) {  // all-or-nothing, 16-byte aligned (the wrapper guarantees it)
        if (row_ok && first < limit) r = *reinterpret_cast<const float4*>(p);
    } else if (row_ok) {
        if (first + 0 < limit) r.x = p[0];
        if (first + 1 < limit) r.y = p[1];
        if (first + 2 < limit) r.z = p[2];
        if (first + 3 < limit) r.w = p[3];
    }
    return r;
}

// __launch_bounds__(threads, 2): two resident blocks per multiprocessor, which caps the kernel at
// 128 registers per thread (64 of them the accumulators) and gives each SM twice the warps to hide
// latency with. tests/test_cuda_nvrtc.py checks that no instance spills under that cap.
template <int BM, int BN, int BK, int TM, int TN, bool TRANS_A, bool TRANS_B, bool VEC>
__global__ void __launch_bounds__((BM / TM) * (BN / TN), 2)
sgemm_regtile2d(int M, int N, int K, float alpha,
                const float* __restrict__ A, long long lda, long long strideA,
                const float* __restrict__ B, long long ldb, long long strideB,
                float beta, float* __restrict__ C, long long ldc, long long strideC,
                int splits, int k_chunk)
{
    constexpr int THREADS_M = BM / TM, THREADS_N = BN / TN;
    constexpr int THREADS = THREADS_M * THREADS_N;
    constexpr int A_LOADS = BM * BK / 4 / THREADS;  // float4s of the A tile per thread
    constexpr int B_LOADS = BK * BN / 4 / THREADS;
    static_assert(TM % 4 == 0 && TN % 4 == 0 && BK % 4 == 0, "tiles are made of float4s");
    static_assert(A_LOADS >= 1 && A_LOADS * 4 * THREADS == BM * BK, "A tile splits evenly into float4s");
    static_assert(B_LOADS >= 1 && B_LOADS * 4 * THREADS == BK * BN, "B tile splits evenly into float4s");

    __shared__ __align__(16) float As[2][BK][BM + REGTILE_PAD];  // As[k][m] = op(A)[m0 + m][k0 + k]
    __shared__ __align__(16) float Bs[2][BK][BN + REGTILE_PAD];  // Bs[k][n] = op(B)[k0 + k][n0 + n]

    const int tid = threadIdx.x;
    const int tr = tid / THREADS_N, tc = tid % THREADS_N;
    const int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
    const int batch = blockIdx.z / splits, split = blockIdx.z % splits;
    A += batch * strideA;
    B += batch * strideB;
    C += (long long)blockIdx.z * strideC;  // C, or this split's slice of the workspace

    const int k_begin = split * k_chunk;
    const int k_end = (K - k_begin < k_chunk) ? K : k_begin + k_chunk;
    const int steps = (k_end - k_begin + BK - 1) / BK;

    // Global -> registers. Element e of a tile (counted in float4s) is split into a row and a
    // float4 within the row along the operand's contiguous dimension. Those positions are the same
    // at every step except for k, so they are worked out once: this thread's float4 i of the A tile
    // covers op(A)[a_m[i] (+0..3 if TRANS_A)][a_k[i] + s * BK (+0..3 if not)] at step s, and
    // a_src[i] points at it for s = 0. Likewise b_k, b_n, b_src for B.
    float4 a_next[A_LOADS], b_next[B_LOADS];
    const float* a_src[A_LOADS];
    const float* b_src[B_LOADS];
    int a_m[A_LOADS], a_k[A_LOADS], b_k[B_LOADS], b_n[B_LOADS];
#pragma unroll
    for (int i = 0; i < A_LOADS; ++i) {
        const int e = i * THREADS + tid;
        if (!TRANS_A) {  // stored (M, K): 4 neighbouring k of row m
            a_m[i] = m0 + e / (BK / 4);
            a_k[i] = k_begin + (e % (BK / 4)) * 4;
        } else {         // stored (K, M): 4 neighbouring m of row k
            a_k[i] = k_begin + e / (BM / 4);
            a_m[i] = m0 + (e % (BM / 4)) * 4;
        }
        a_src[i] = TRANS_A ? A + (long long)a_k[i] * lda + a_m[i] : A + (long long)a_m[i] * lda + a_k[i];
    }
#pragma unroll
    for (int i = 0; i < B_LOADS; ++i) {
        const int e = i * THREADS + tid;
        if (!TRANS_B) {  // stored (K, N): 4 neighbouring n of row k
            b_k[i] = k_begin + e / (BN / 4);
            b_n[i] = n0 + (e % (BN / 4)) * 4;
        } else {         // stored (N, K): 4 neighbouring k of row n
            b_n[i] = n0 + e / (BK / 4);
            b_k[i] = k_begin + (e % (BK / 4)) * 4;
        }
        b_src[i] = TRANS_B ? B + (long long)b_n[i] * ldb + b_k[i] : B + (long long)b_k[i] * ldb + b_n[i];
    }
    // One step moves k on by BK: BK elements along a row, or BK rows down.
    const long long a_step = TRANS_A ? BK * lda : BK, b_step = TRANS_B ? BK : BK * ldb;
    auto load_global = [&](int s) {
#pragma unroll
        for (int i = 0; i < A_LOADS; ++i) {
            const int k = a_k[i] + s * BK;
            const float* p = a_src[i] + s * a_step;
            a_next[i] = TRANS_A ? load4<VEC>(p, k < k_end, a_m[i], M) : load4<VEC>(p, a_m[i] < M, k, k_end);
        }
#pragma unroll
        for (int i = 0; i < B_LOADS; ++i) {
            const int k = b_k[i] + s * BK;
            const float* p = b_src[i] + s * b_step;
            b_next[i] = TRANS_B ? load4<VEC>(p, b_n[i] < N, k, k_end) : load4<VEC>(p, k < k_end, b_n[i], N);
        }
    };
    // Registers -> shared buffer `buf` (k-major). An operand whose contiguous dimension is k is
    // transposed on the way, four scalar stores; the other is one float4 store.
    auto store_shared = [&](int buf) {
#pragma unroll
        for (int i = 0; i < A_LOADS; ++i) {
            const int e = i * THREADS + tid;
            const float4 v = a_next[i];
            if (!TRANS_A) {
                const int m = e / (BK / 4), k = (e % (BK / 4)) * 4;
                As[buf][k + 0][m] = v.x; As[buf][k + 1][m] = v.y;
                As[buf][k + 2][m] = v.z; As[buf][k + 3][m] = v.w;
            } else {
                const int k = e / (BM / 4), m = (e % (BM / 4)) * 4;
                *reinterpret_cast<float4*>(&As[buf][k][m]) = v;
            }
        }
#pragma unroll
        for (int i = 0; i < B_LOADS; ++i) {
            const int e = i * THREADS + tid;
            const float4 v = b_next[i];
            if (!TRANS_B) {
                const int k = e / (BN / 4), n = (e % (BN / 4)) * 4;
                *reinterpret_cast<float4*>(&Bs[buf][k][n]) = v;
            } else {
                const int n = e / (BK / 4), k = (e % (BK / 4)) * 4;
                Bs[buf][k + 0][n] = v.x; Bs[buf][k + 1][n] = v.y;
                Bs[buf][k + 2][n] = v.z; Bs[buf][k + 3][n] = v.w;
            }
        }
    };

    float acc[TM][TN];
#pragma unroll
    for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] = 0.f;

    if (steps > 0) {
        load_global(0);
        store_shared(0);
    }
    __syncthreads();

    for (int step = 0; step < steps; ++step) {
        const int cur = step & 1;
        const bool more = step + 1 < steps;
        if (more) load_global(step + 1);  // in flight during the FMAs below

#pragma unroll
        for (int k = 0; k < BK; ++k) {
            float a[TM], b[TN];
#pragma unroll
            for (int g = 0; g < TM / 4; ++g) {
                const float4 v = *reinterpret_cast<const float4*>(&As[cur][k][g * THREADS_M * 4 + tr * 4]);
                a[g * 4 + 0] = v.x; a[g * 4 + 1] = v.y; a[g * 4 + 2] = v.z; a[g * 4 + 3] = v.w;
            }
#pragma unroll
            for (int g = 0; g < TN / 4; ++g) {
                const float4 v = *reinterpret_cast<const float4*>(&Bs[cur][k][g * THREADS_N * 4 + tc * 4]);
                b[g * 4 + 0] = v.x; b[g * 4 + 1] = v.y; b[g * 4 + 2] = v.z; b[g * 4 + 3] = v.w;
            }
#pragma unroll
            for (int i = 0; i < TM; ++i)
#pragma unroll
                for (int j = 0; j < TN; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }

        // Buffer cur^1 was last read in the previous step, which ended with a barrier: safe to fill.
        if (more) store_shared(cur ^ 1);
        __syncthreads();
    }

    // Write the TM x TN results: C = alpha * acc + beta * C (C not read when beta == 0).
#pragma unroll
    for (int gi = 0; gi < TM / 4; ++gi) {
#pragma unroll
        for (int vi = 0; vi < 4; ++vi) {
            const int i = gi * 4 + vi;
            const int m = m0 + gi * THREADS_M * 4 + tr * 4 + vi;
            if (m >= M) continue;
            float* row = C + (long long)m * ldc;
#pragma unroll
            for (int gj = 0; gj < TN / 4; ++gj) {
                const int n = n0 + gj * THREADS_N * 4 + tc * 4;
                const float* r = acc[i] + gj * 4;
                if (VEC) {
                    if (n < N) {
                        float4 out = make_float4(alpha * r[0], alpha * r[1], alpha * r[2], alpha * r[3]);
                        if (beta != 0.f) {
                            const float4 old = *reinterpret_cast<const float4*>(row + n);
                            out.x += beta * old.x; out.y += beta * old.y;
                            out.z += beta * old.z; out.w += beta * old.w;
                        }
                        *reinterpret_cast<float4*>(row + n) = out;
                    }
                } else {
#pragma unroll
                    for (int v = 0; v < 4; ++v)
                        if (n + v < N) store_scaled(row, n + v, alpha, r[v], beta);
                }
            }
        }
    }
}

// ------------------------------------------------------------------------------------ split-K: add the partials
//
// W holds (batch, splits, M*N) partial products; C (batch, M*N) = alpha * sum over splits + beta * C.
// One thread per element of C, in a grid-stride loop (any number of elements, any grid).
template <typename T>
__global__ void gemm_splitk_reduce(long long mn, long long total, int splits, T alpha,
                                   const T* __restrict__ W, T beta, T* __restrict__ C)
{
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < total; idx += stride) {
        const long long batch = idx / mn, r = idx - batch * mn;
        const T* w = W + batch * splits * mn + r;
        T sum = T(0);
        for (int s = 0; s < splits; ++s) sum += w[s * mn];
        store_scaled(C, idx, alpha, sum, beta);
    }
}
