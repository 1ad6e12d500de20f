"""What each process started by `python -m chainrule.distributed.run` (run.py) runs first.

mpirun starts this file once per rank. It reads the rank the MPI launcher gave the process (Open
MPI's OMPI_COMM_WORLD_* variables, or the PMI_* ones of MPICH's launcher), sets the variables that
torchrun gives each worker (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, ROLE_RANK,
ROLE_WORLD_SIZE; the ones shared by every rank come from run.py through mpirun's environment), then
replaces itself (exec) with the user's program: `python script.py args`, `python -m module args`, or
the command itself with --no-python. exec keeps the process the launcher started, so MPI sees the
same rank, and the program starts exactly as it would from a shell (its own sys.path[0], __main__,
argv). MPI itself is not touched here: the program initialises it in init_process_group.

It is run by path, not as chainrule.distributed.run_worker, so that chainrule is not imported twice.
Arguments: MODE (script, module or command), the target, then the program's arguments.
"""
import os
import sys

# (rank, world size, local rank, local size) as each MPI launcher names them
_LAUNCHER_VARIABLES = (
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_SIZE"),
    ("PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS"),
)


def launcher_ranks(environ):
    """(rank, world size, local rank, local world size) from the MPI launcher's variables."""
    for rank_name, size_name, local_rank_name, local_size_name in _LAUNCHER_VARIABLES:
        if rank_name in environ and size_name in environ:
            rank, size = environ[rank_name], environ[size_name]
            # on one node (the only case run.py starts) the local rank is the rank
            return rank, size, environ.get(local_rank_name, rank), environ.get(local_size_name, size)
    raise RuntimeError("chainrule.distributed.run_worker: no MPI launcher variables (OMPI_COMM_WORLD_RANK, PMI_RANK) "
                       "in the environment; this file is started by `python -m chainrule.distributed.run`")


def torchrun_variables(environ):
    rank, size, local_rank, local_size = launcher_ranks(environ)
    return {"RANK": rank, "WORLD_SIZE": size, "LOCAL_RANK": local_rank, "LOCAL_WORLD_SIZE": local_size,
            "ROLE_RANK": rank, "ROLE_WORLD_SIZE": size}


def program_command(mode, target, arguments):
    """The command that runs the user's program: `python script.py args`, `python -m module args`, or
    the command itself (mode "command")."""
    if mode == "command":
        return [target, *arguments]
    if mode == "module":
        return [sys.executable, "-m", target, *arguments]
    return [sys.executable, target, *arguments]


def main(mode, target, *arguments):
    os.environ.update(torchrun_variables(os.environ))
    command = program_command(mode, target, arguments)
    sys.stdout.flush()
    try:
        os.execvp(command[0], command)
    except OSError as error:
        sys.exit(f"chainrule.distributed.run: cannot start {command[0]!r}: {error}")


if __name__ == "__main__":
    main(*sys.argv[1:])
