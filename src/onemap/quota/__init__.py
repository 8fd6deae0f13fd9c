"""占补平衡 farmland quota ledger (耕地占补平衡指标台账): credits, debits, transfers."""
