"""Children (R15): children's and women's homes, minor-protection stations, children in difficulty with
their carers (儿童主任) and visits, inclusive childcare places."""
