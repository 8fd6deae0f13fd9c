"""批供用 land supply supervision: 批而未供, 供而未用 / 闲置土地, 增存挂钩."""
