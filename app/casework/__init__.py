"""Case handling by staff: work queues, SLA, lawyer roster and suggestions, home visits."""
