// runtime.h -- just enough of CUDA to run minigan's kernels on the CPU, for testing their logic.
//
// Each CUDA thread of a block is a std::thread; __syncthreads() is a std::barrier over the block's
// threads; __shared__ variables become function-local statics, shared by all threads. The blocks of
// a grid run one after the other, so one set of statics serves every block. This checks the index
// arithmetic, the tiling, edge handling, transposes, split-K and the barriers' placement (a barrier
// that not every thread reaches deadlocks here, as it may on a GPU). It says nothing about speed,
// the memory model, or warp-level behaviour; compute-sanitizer on a GPU checks races and bounds.
#pragma once

#include <barrier>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <functional>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
#define __align__(n) __attribute__((aligned(n)))

struct uint3 { unsigned int x, y, z; };
struct dim3 {
    unsigned int x, y, z;
    dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct alignas(16) float4 { float x, y, z, w; };
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }

inline thread_local uint3 threadIdx;
inline thread_local uint3 blockIdx;
inline dim3 blockDim, gridDim;

namespace emu {
inline std::barrier<>* block_barrier = nullptr;
}

inline void __syncthreads() { emu::block_barrier->arrive_and_wait(); }

namespace emu {

// Run kernel(args...) over grid x block: all threads of a block at once, blocks in turn.
template <typename Fn>
void run_grid(dim3 grid, dim3 block, Fn body)
{
    const unsigned int threads = block.x * block.y * block.z;
    std::barrier<> barrier(threads);
    block_barrier = &barrier;
    gridDim = grid;
    blockDim = block;
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (unsigned int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            threadIdx = uint3{t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
            for (unsigned int bz = 0; bz < grid.z; ++bz)
                for (unsigned int by = 0; by < grid.y; ++by)
                    for (unsigned int bx = 0; bx < grid.x; ++bx) {
                        blockIdx = uint3{bx, by, bz};
                        body();
                        barrier.arrive_and_wait();  // the block is done before the next reuses __shared__
                    }
        });
    }
    for (auto& th : pool) th.join();
    block_barrier = nullptr;
}

// Launch a kernel with its parameters passed as in cuLaunchKernel: params[i] points at argument i.
template <typename... P, std::size_t... I>
void launch_params(dim3 grid, dim3 block, void (*kernel)(P...), void** params, std::index_sequence<I...>)
{
    std::tuple<std::decay_t<P>...> args(*static_cast<std::decay_t<P>*>(params[I])...);
    run_grid(grid, block, [&] { std::apply(kernel, args); });
}

template <typename... P>
void launch(dim3 grid, dim3 block, void (*kernel)(P...), void** params)
{
    launch_params(grid, block, kernel, params, std::index_sequence_for<P...>{});
}

}  // namespace emu
