"""Elderly care on the programme core: the basic elderly-care service list (基本养老服务清单) and a
person's entitlements, care visits by risk, family care beds (家庭养老床位) and age-friendly retrofits
(适老化改造)."""
