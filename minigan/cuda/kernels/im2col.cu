// im2col.cu -- unroll image patches into columns (im2col) and add them back (col2im).
//
// Layout contract (shared with the NumPy ops in minigan/ops/conv.py):
//   x    (N, C, H, W), C-contiguous
//   cols (C*KH*KW, N*OH*OW), C-contiguous
//   cols[(c*KH + i)*KW + j][(n*OH + oh)*OW + ow] = x[n][c][ih][iw]
//     with ih = oh*SH - PH + i*DH,  iw = ow*SW - PW + j*DW,  and 0 where (ih, iw) lies in the padding.
// A convolution is then one matrix product: weight (O, C*KH*KW) @ cols -> (O, N*OH*OW).
//
// col2im is the adjoint (the transpose) of im2col: x[n][c][h][w] = the sum of every entry of cols
// that im2col copied from x[n][c][h][w]. It is written as a GATHER: one thread per input pixel
// finds the (at most KH*KW) columns that read its pixel and adds them up. No two threads write the
// same element, so there are no atomics and the sum is deterministic.
//
// Index is int when every index of the launch fits in 32 bits (cheaper division) and long long
// otherwise; the Python wrapper chooses. Both kernels are grid-stride loops: any grid size covers
// any problem.

template <typename T, typename Index>
__global__ void im2col_kernel(const T* __restrict__ x, T* __restrict__ cols, Index total,
                              int N, int C, int H, int W, int KH, int KW, int OH, int OW,
                              int SH, int SW, int PH, int PW, int DH, int DW)
{
    // Thread idx writes cols.flat[idx]: neighbouring threads write neighbouring columns (coalesced
    // stores) and read x at neighbouring ow, i.e. SW elements apart along a row of the image.
    const Index ncols = (Index)N * OH * OW;
    const Index stride = (Index)gridDim.x * blockDim.x;
    for (Index idx = (Index)blockIdx.x * blockDim.x + threadIdx.x; idx < total; idx += stride) {
        const Index row = idx / ncols, col = idx - row * ncols;
        const int ow = (int)(col % OW);
        const Index col_oh = col / OW;
        const int oh = (int)(col_oh % OH);
        const int n = (int)(col_oh / OH);
        const int j = (int)(row % KW);
        const int row_i = (int)(row / KW);
        const int i = row_i % KH;
        const int c = row_i / KH;
        const int ih = oh * SH - PH + i * DH;
        const int iw = ow * SW - PW + j * DW;
        T value = T(0);
        if (ih >= 0 && ih < H && iw >= 0 && iw < W)
            value = x[(((Index)n * C + c) * H + ih) * W + iw];
        cols[idx] = value;
    }
}

template <typename T, typename Index>
__global__ void col2im_kernel(const T* __restrict__ cols, T* __restrict__ x, Index total,
                              int N, int C, int H, int W, int KH, int KW, int OH, int OW,
                              int SH, int SW, int PH, int PW, int DH, int DW)
{
    // Thread idx owns x.flat[idx] = x[n][c][h][w]. Kernel tap (i, j) read this pixel from output
    // position (oh, ow) exactly when h + PH - i*DH = oh*SH and w + PW - j*DW = ow*SW, with
    // 0 <= oh < OH and 0 <= ow < OW. For each tap, solve for (oh, ow) and add that entry of cols.
    const Index ncols = (Index)N * OH * OW;
    const Index stride = (Index)gridDim.x * blockDim.x;
    for (Index idx = (Index)blockIdx.x * blockDim.x + threadIdx.x; idx < total; idx += stride) {
        const int w = (int)(idx % W);
        const Index idx_h = idx / W;
        const int h = (int)(idx_h % H);
        const Index idx_c = idx_h / H;
        const int c = (int)(idx_c % C);
        const int n = (int)(idx_c / C);
        T sum = T(0);
        for (int i = 0; i < KH; ++i) {
            const int th = h + PH - i * DH;  // = oh * SH for the output row that used tap i
            if (th < 0) break;               // th only decreases with i
            if (th % SH != 0) continue;
            const int oh = th / SH;
            if (oh >= OH) continue;
            for (int j = 0; j < KW; ++j) {
                const int tw = w + PW - j * DW;
                if (tw < 0) break;
                if (tw % SW != 0) continue;
                const int ow = tw / SW;
                if (ow >= OW) continue;
                const Index row = ((Index)c * KH + i) * KW + j;
                const Index col = ((Index)n * OH + oh) * OW + ow;
                sum += cols[row * ncols + col];
            }
        }
        x[idx] = sum;
    }
}
