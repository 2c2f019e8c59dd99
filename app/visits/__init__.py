"""Home visits (上门服务): requested, scheduled with a lawyer, done or cancelled. Below casework and the
procedure, which both act on them (the termination flow cancels the open ones)."""
