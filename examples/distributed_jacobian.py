"""The Jacobian of a costly simulation on a Dask cluster: executor= ships the passes.

A 1-D reaction-diffusion model, u_t = D u_xx + s(x) - u³, is stepped explicitly on 7000
grid points; its source s = B k is a sum of 64 Gaussian bumps with amplitudes k. The
Jacobian of the final state (at 175 probes) in the 64 amplitudes is forward mode's
best case for distribution: each pass seeds a chunk of the 64 directions, and the
passes are independent. With ``executor=client.get_executor()`` dualad runs one pass
per worker (chunk_size 32 on 2 workers) and assembles the columns in order.

Here the cluster is a LocalCluster of 2 worker processes on this machine, started without
Dask's MALLOC_TRIM_THRESHOLD_ (see ``without_malloc_trimming``). On a real cluster,
connect to its scheduler instead, with dualad installed on the workers:

    from dask.distributed import Client
    client = Client("tcp://scheduler-host:8786")
    J = ad.jacfwd(f, executor=client.get_executor(), chunk_size=8)(k)

Run:  python examples/distributed_jacobian.py   (needs pip install -e '.[distributed]')
"""
import time

import numpy as np

import dualad as ad

N, P, STEPS = 7000, 64, 300
X = np.linspace(0.0, 1.0, N)
B = np.exp(-((X[:, None] - np.linspace(0.0, 1.0, P)[None, :]) / 0.02) ** 2)
D = 1e-5 * (N - 1) ** 2
DT = 0.2 / D   # inside the explicit scheme's stability limit


def final_state(k, steps=STEPS):
    """u at 175 probes after ``steps`` explicit steps, for source amplitudes k."""
    s = B @ k
    u = np.zeros(N)
    for _ in range(steps):
        lap = np.concatenate((u[1:2] - u[:1], u[2:] - 2.0 * u[1:-1] + u[:-2],
                              u[-2:-1] - u[-1:]))
        u = u + DT * (D * lap + s - u * u * u)
    return u[::40]


def without_malloc_trimming():
    """Dask's configuration for its worker processes, less MALLOC_TRIM_THRESHOLD_: Dask sets
    it (65536) so that workers give memory back to the system, and with it set glibc maps
    every large NumPy temporary anew (a page fault per page, each operation). A pass over
    large arrays then runs about 1.2x slower."""
    import dask
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    return dask.config.set({"distributed.nanny.pre-spawn-environ": environ})


def main():
    from dask.distributed import Client, LocalCluster

    k = np.linspace(0.5, 1.5, P)
    start = time.perf_counter()
    final_state(k)
    primal = time.perf_counter() - start
    start = time.perf_counter()
    local = ad.jacfwd(final_state)(k)
    one_process = time.perf_counter() - start
    with without_malloc_trimming(), LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True,
            dashboard_address=None) as cluster, Client(cluster) as client:
        executor = client.get_executor()
        ad.jacfwd(final_state, executor=executor)(k)   # the workers import dualad once
        start = time.perf_counter()
        remote = ad.jacfwd(final_state, executor=executor)(k)
        cluster_time = time.perf_counter() - start
    h = 1e-6   # one column against a central difference of the plain simulation
    e = np.zeros(P)
    e[7] = h
    central = (final_state(k + e) - final_state(k - e)) / (2 * h)
    print(f"one primal simulation:            {primal * 1e3:8.1f} ms")
    print(f"Jacobian {local.shape}, one process: {one_process:8.2f} s")
    print(f"Jacobian on 2 Dask workers:        {cluster_time:8.2f} s "
          f"({one_process / cluster_time:.2f}x faster)")
    print(f"largest difference between the two: {np.abs(remote - local).max():.1e}")
    print(f"column 7 against central differences: "
          f"{np.abs(local[:, 7] - central).max() / np.abs(central).max():.1e} (relative)")


if __name__ == "__main__":
    main()
