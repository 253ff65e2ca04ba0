//! See `tests/`: integration tests against real `zennetd` processes.
