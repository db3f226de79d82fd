"""Government-bought home care (居家养老服务): providers, monthly hours, orders dispatched to providers,
check-in and check-out, ratings, figures and coverage; the emergency call (一键呼叫)."""
