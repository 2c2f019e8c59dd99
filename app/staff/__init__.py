"""Staff JSON API (/api/v1/staff/...): the console's actions for bearer-token clients."""
