"""Analytics (大数据分析): rollup tables maintained on every call insert, dashboard queries, exports."""
