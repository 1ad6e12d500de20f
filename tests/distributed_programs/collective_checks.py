"""Every collective of chainrule.distributed, for every dtype, blocking and async_op=True, checked on
each rank against NumPy computed from every rank's input (each rank can rebuild all inputs: they
depend on the rank only). Run under mpirun by tests/test_distributed.py and as ranks meeting over TCP by
tests/test_distributed_tcp.py, through main.py."""
import datetime
import warnings

import numpy as np

import chainrule as cr
import chainrule.distributed as dist
from chainrule.distributed import ReduceOp

DTYPES = {cr.float32: np.float32, cr.float64: np.float64, cr.int64: np.int64, cr.int32: np.int32, cr.int16: np.int16,
          cr.uint8: np.uint8, cr.int8: np.int8, cr.bool: np.bool_}
SHAPE = (2, 3)
NUMPY_REDUCE = {ReduceOp.SUM: np.sum, ReduceOp.PRODUCT: np.prod, ReduceOp.MIN: np.min, ReduceOp.MAX: np.max}


def rank_input(rank, np_dtype, shape=SHAPE):
    """Rank r's input: distinct per rank and per element (bool: a rank-dependent pattern)."""
    base = np.arange(int(np.prod(shape))).reshape(shape)
    if np_dtype == np.bool_:
        return (base + rank) % 3 != 0
    return ((base % 4 + 1) * (rank + 2) - 3 * rank).astype(np_dtype)


def expected_reduction(op, np_dtype, size):
    stacked = np.stack([rank_input(r, np_dtype) for r in range(size)])
    if op is ReduceOp.AVG:
        return stacked.sum(0) / size
    if np_dtype == np.bool_:
        return stacked.any(0) if op in (ReduceOp.SUM, ReduceOp.MAX) else stacked.all(0)
    return NUMPY_REDUCE[op](stacked, axis=0)


def check(condition, what):
    if not condition:
        raise AssertionError(f"rank {dist.get_rank()}: {what}")


def check_equal(tensor, expected, what):
    got = tensor.numpy()
    expected = np.asarray(expected)
    check(got.dtype == expected.dtype, f"{what}: dtype {got.dtype} vs {expected.dtype}")
    check(np.allclose(got, expected, rtol=1e-6, atol=0), f"{what}: got {got.tolist()}, expected {expected.tolist()}")


def finish(result, async_op, what):
    """Waits on the Work of an async call (and checks the blocking one returned None)."""
    if async_op:
        check(result is not None and result.wait() is True and result.is_completed(), f"{what}: Work")
    else:
        check(result is None, f"{what}: a blocking call returns None")


def reduction_ops(np_dtype):
    ops = [ReduceOp.SUM, ReduceOp.PRODUCT, ReduceOp.MIN, ReduceOp.MAX]
    return ops + [ReduceOp.AVG] if np.issubdtype(np_dtype, np.floating) else ops


def check_reductions(rank, size, dtype, np_dtype, async_op):
    for op in reduction_ops(np_dtype):
        what = f"all_reduce {op} {dtype} async={async_op}"
        t = cr.from_numpy(rank_input(rank, np_dtype).copy())
        finish(dist.all_reduce(t, op=op, async_op=async_op), async_op, what)
        check_equal(t, expected_reduction(op, np_dtype, size).astype(np_dtype), what)
        what = f"reduce {op} {dtype} async={async_op}"
        t = cr.from_numpy(rank_input(rank, np_dtype).copy())
        finish(dist.reduce(t, dst=size - 1, op=op, async_op=async_op), async_op, what)
        want = expected_reduction(op, np_dtype, size) if rank == size - 1 else rank_input(rank, np_dtype)
        check_equal(t, want.astype(np_dtype), what)
    if not np.issubdtype(np_dtype, np.floating):
        try:
            dist.all_reduce(cr.from_numpy(rank_input(rank, np_dtype).copy()), op=ReduceOp.AVG)
            check(False, f"all_reduce AVG on {dtype} should raise")
        except ValueError as error:
            check("AVG" in str(error), f"AVG error message: {error}")


def check_movement(rank, size, dtype, np_dtype, async_op):
    inputs = [rank_input(r, np_dtype) for r in range(size)]
    mine = cr.from_numpy(inputs[rank].copy())
    t = cr.from_numpy(inputs[rank].copy())
    finish(dist.broadcast(t, src=1, async_op=async_op), async_op, "broadcast")
    check_equal(t, inputs[1], f"broadcast {dtype}")
    gathered = [cr.zeros(SHAPE, dtype=dtype) for _ in range(size)]
    finish(dist.all_gather(gathered, mine, async_op=async_op), async_op, "all_gather")
    for r in range(size):
        check_equal(gathered[r], inputs[r], f"all_gather {dtype} piece {r}")
    big = cr.zeros((size * SHAPE[0], SHAPE[1]), dtype=dtype)
    finish(dist.all_gather_into_tensor(big, mine, async_op=async_op), async_op, "all_gather_into_tensor")
    check_equal(big, np.concatenate(inputs), f"all_gather_into_tensor {dtype}")
    gathered = [cr.zeros(SHAPE, dtype=dtype) for _ in range(size)] if rank == 0 else None
    finish(dist.gather(mine, gathered, dst=0, async_op=async_op), async_op, "gather")
    for r in range(size if rank == 0 else 0):
        check_equal(gathered[r], inputs[r], f"gather {dtype} piece {r}")
    out = cr.zeros(SHAPE, dtype=dtype)
    pieces = [cr.from_numpy(rank_input(r + 10, np_dtype)) for r in range(size)] if rank == 0 else None
    finish(dist.scatter(out, pieces, src=0, async_op=async_op), async_op, "scatter")
    check_equal(out, rank_input(rank + 10, np_dtype), f"scatter {dtype}")


def check_reduce_scatter(rank, size, dtype, np_dtype, async_op):
    for op in reduction_ops(np_dtype):
        # rank q's piece for rank r is rank_input(q + size * r): every piece differs.
        pieces = [cr.from_numpy(rank_input(rank + size * r, np_dtype)) for r in range(size)]
        stacked = np.stack([rank_input(q + size * rank, np_dtype) for q in range(size)])
        if op is ReduceOp.AVG:
            want = stacked.sum(0) / size
        elif np_dtype == np.bool_:
            want = stacked.any(0) if op in (ReduceOp.SUM, ReduceOp.MAX) else stacked.all(0)
        else:
            want = NUMPY_REDUCE[op](stacked, axis=0)
        out = cr.zeros(SHAPE, dtype=dtype)
        finish(dist.reduce_scatter(out, pieces, op=op, async_op=async_op), async_op, "reduce_scatter")
        check_equal(out, want.astype(np_dtype), f"reduce_scatter {op} {dtype}")
        out = cr.zeros(SHAPE, dtype=dtype)
        flat = cr.from_numpy(np.concatenate([p.numpy() for p in pieces]))
        finish(dist.reduce_scatter_tensor(out, flat, op=op, async_op=async_op), async_op, "reduce_scatter_tensor")
        check_equal(out, want.astype(np_dtype), f"reduce_scatter_tensor {op} {dtype}")


def check_point_to_point(rank, size, dtype, np_dtype):
    """A ring: each rank sends its input to the next and receives the previous one's."""
    nxt, prev = (rank + 1) % size, (rank - 1) % size
    work = dist.isend(cr.from_numpy(rank_input(rank, np_dtype).copy()), dst=nxt, tag=7)
    t = cr.zeros(SHAPE, dtype=dtype)
    check(dist.recv(t, src=prev, tag=7) == prev, "recv returns the sender's rank")
    check_equal(t, rank_input(prev, np_dtype), f"send/recv {dtype}")
    work.wait()
    work = dist.isend(cr.from_numpy(rank_input(rank, np_dtype).copy()), dst=nxt)
    t = cr.zeros(SHAPE, dtype=dtype)
    dist.irecv(t, src=prev).wait()
    check_equal(t, rank_input(prev, np_dtype), f"isend/irecv {dtype}")
    work.wait()
    work = dist.isend(cr.from_numpy(rank_input(rank, np_dtype).copy()), dst=nxt, tag=9)
    t = cr.zeros(SHAPE, dtype=dtype)
    check(dist.recv(t, tag=9) == prev, "recv(src=None) returns the sender's rank")
    check_equal(t, rank_input(prev, np_dtype), f"recv from any rank {dtype}")
    work.wait()


def check_layouts(rank, size):
    """A transposed (non-contiguous) tensor and a 0-dim one: results land in the tensor itself."""
    t = cr.from_numpy(rank_input(rank, np.float32).copy()).t()
    dist.all_reduce(t)
    check_equal(t, expected_reduction(ReduceOp.SUM, np.float32, size).T, "all_reduce of a transposed view")
    t = cr.tensor(float(rank + 1))
    dist.all_reduce(t, op=ReduceOp.MAX, async_op=True).wait()
    check(t.item() == size, "all_reduce of a 0-dim tensor")


def expect_error(call, error_type, fragment, what):
    try:
        call()
    except error_type as error:
        check(fragment in str(error), f"{what}: message {error}")
        return
    check(False, f"{what}: no {error_type.__name__}")


def check_mismatches(rank, size):
    """Different shapes or dtypes across ranks fail on every rank with an error naming both sides."""
    shape = (2, 3) if rank == 0 else (3, 2)
    expect_error(lambda: dist.all_reduce(cr.zeros(shape)), RuntimeError, "rank 1 has float32 (3, 2)",
                 "all_reduce shape mismatch")
    dtype = cr.float32 if rank == 0 else cr.float64
    expect_error(lambda: dist.broadcast(cr.zeros(4, dtype=dtype), src=0), RuntimeError, "differ across ranks",
                 "broadcast dtype mismatch")
    expect_error(lambda: dist.all_gather([cr.zeros(2)] * (size + 1), cr.zeros(2)), ValueError,
                 f"list of {size} tensors", "all_gather list length")
    if rank == 0:
        dist.send(cr.zeros(3), dst=1)
    elif rank == 1:
        expect_error(lambda: dist.recv(cr.zeros(4), src=0), RuntimeError, "sent 12 bytes", "recv size mismatch")
        dist.recv(cr.zeros(3), src=0)  # the message is still there; take it


def check_objects_and_group(rank, size):
    """Picklable objects between ranks, and what the group says about itself."""
    objects = [{"from": rank}, rank * 10] if rank == 2 % size else [None, None]
    dist.broadcast_object_list(objects, src=2 % size)
    check(objects == [{"from": 2 % size}, (2 % size) * 10], f"broadcast_object_list: {objects}")
    gathered = [None] * size
    dist.all_gather_object(gathered, ("rank", rank))
    check(gathered == [("rank", r) for r in range(size)], f"all_gather_object: {gathered}")
    check(dist.is_initialized() and dist.get_backend() in ("mpi", "gloo") and dist.get_world_size() == size
          and dist.group.WORLD is not None, "the group describes itself")
    expect_error(lambda: dist.broadcast(cr.zeros(2), src=size), ValueError, f"src={size} is not a rank",
                 "broadcast from a rank that does not exist")


def check_groups(rank, size):
    """new_group([0, last]): group ranks, collectives and point-to-point inside it with global src/dst,
    PyTorch's warning and no effect outside it, and the default group untouched."""
    last = size - 1
    subgroup = dist.new_group([last, 0])
    t = cr.tensor([float(rank + 1)])
    if rank in (0, last):
        check(dist.get_rank(subgroup) == (0 if rank == 0 else 1) and dist.get_world_size(subgroup) == 2
              and dist.get_process_group_ranks(subgroup) == [0, last] and dist.get_global_rank(subgroup, 1) == last
              and dist.get_group_rank(subgroup, last) == 1, "new_group's ranks")
        dist.all_reduce(t, group=subgroup)
        check_equal(t, np.array([1.0 + size], np.float32), "all_reduce in a group")
        dist.broadcast(t, src=last, group=subgroup)
        message = cr.tensor([float(rank)])
        if rank == 0:
            dist.send(message, dst=last, group=subgroup)
        else:
            check(dist.recv(message, group=subgroup) == 0 and message.item() == 0.0, "recv in a group")
        dist.destroy_process_group(subgroup)
    else:
        check(subgroup is dist.GroupMember.NON_GROUP_MEMBER and dist.get_rank(subgroup) == -1, "a non-member")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            check(dist.all_reduce(t, group=subgroup) is None and t.item() == rank + 1, "all_reduce outside")
        check("does not belong to the given group" in str(caught[0].message), "the non-member's warning")
    total = cr.tensor([1.0])
    dist.all_reduce(total)
    check(total.item() == size, "the default group after a new_group")


def check_exchanges(rank, size):
    """all_to_all(_single) with equal and uneven splits, batch_isend_irecv, the object helpers,
    monitored_barrier and new_subgroups, against what each rank can compute of every rank's input."""
    equal = cr.arange(2.0 * size) + 100 * rank
    out = cr.zeros(2 * size)
    finish(dist.all_to_all_single(out, equal, async_op=True), True, "all_to_all_single")
    expected = np.concatenate([[100 * s + 2 * rank, 100 * s + 2 * rank + 1] for s in range(size)])
    check_equal(out, expected.astype(np.float32), "all_to_all_single, equal parts")
    sends = cr.cat([cr.full((p + 1, 3), 10.0 * rank + p) for p in range(size)])
    received = cr.zeros((rank + 1) * size, 3)
    dist.all_to_all_single(received, sends, output_split_sizes=[rank + 1] * size,
                           input_split_sizes=[p + 1 for p in range(size)])
    expected = np.concatenate([np.full((rank + 1, 3), 10.0 * s + rank) for s in range(size)]).astype(np.float32)
    check_equal(received, expected, "all_to_all_single, split sizes")
    outputs = [cr.zeros(rank + 1, dtype=cr.int64) for _ in range(size)]
    dist.all_to_all(outputs, [cr.full((p + 1,), 10 * rank + p, dtype=cr.int64) for p in range(size)])
    check([o.tolist() for o in outputs] == [[10 * s + rank] * (rank + 1) for s in range(size)], "all_to_all lists")
    left, right = (rank - 1) % size, (rank + 1) % size
    from_left = cr.zeros(4)
    works = dist.batch_isend_irecv([dist.P2POp(dist.isend, cr.arange(4.0) + rank, right),
                                    dist.P2POp(dist.irecv, from_left, left)])
    for work in works:
        work.wait()
    check(from_left.tolist() == [left + i for i in range(4)], "batch_isend_irecv ring")
    gathered = [None] * size if rank == size - 1 else None
    dist.gather_object(("rank", rank), gathered, dst=size - 1)
    check(rank != size - 1 or gathered == [("rank", r) for r in range(size)], f"gather_object: {gathered}")
    mine = [None]
    dist.scatter_object_list(mine, [f"for {r}" for r in range(size)] if rank == 0 else None, src=0)
    check(mine == [f"for {rank}"], f"scatter_object_list: {mine}")
    if rank == 0:
        dist.send_object_list([{"a": 1}, "x", None], dst=1)
    elif rank == 1:
        objects = [0, 0, 0]
        check(dist.recv_object_list(objects) == 0 and objects == [{"a": 1}, "x", None], f"recv_object_list {objects}")
    dist.monitored_barrier(timeout=datetime.timedelta(seconds=60))
    alone, every = dist.new_subgroups(group_size=1)
    t = cr.tensor([float(rank)])
    dist.all_reduce(t, group=alone)
    check(len(every) == size and t.item() == rank and dist.get_process_group_ranks(alone) == [rank],
          "new_subgroups of one rank")


def check_16_bit_floats(rank, size):
    """float16 and bfloat16 travel as float32: sums rounded once, gathers exact."""
    for dtype in (cr.float16, cr.bfloat16):
        t = cr.tensor([rank + 0.5, -rank * 3.0], dtype=dtype)
        dist.all_reduce(t)
        expected = cr.tensor([sum(r + 0.5 for r in range(size)), -3.0 * sum(range(size))]).to(dtype)
        check(t.dtype == dtype and t.tolist() == expected.tolist(), f"all_reduce of {dtype}: {t}")
        pieces = [cr.zeros(2, dtype=dtype) for _ in range(size)]
        dist.all_gather(pieces, cr.tensor([rank / 3, rank * 1e3], dtype=dtype))
        check([p.tolist() for p in pieces] == [cr.tensor([r / 3, r * 1e3], dtype=dtype).tolist() for r in range(size)],
              f"all_gather of {dtype}")


def run_all():
    rank, size = dist.get_rank(), dist.get_world_size()
    for dtype, np_dtype in DTYPES.items():
        for async_op in (False, True):
            check_reductions(rank, size, dtype, np_dtype, async_op)
            check_movement(rank, size, dtype, np_dtype, async_op)
            check_reduce_scatter(rank, size, dtype, np_dtype, async_op)
        check_point_to_point(rank, size, dtype, np_dtype)
    check_layouts(rank, size)
    check_mismatches(rank, size)
    check_objects_and_group(rank, size)
    check_groups(rank, size)
    check_exchanges(rank, size)
    check_16_bit_floats(rank, size)
    dist.barrier()
    return "collectives"
