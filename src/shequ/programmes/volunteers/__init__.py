"""Mutual-aid care (互助性养老): volunteers, small care tasks for elders near them, hours confirmed and
banked (时间银行) and redeemed."""
