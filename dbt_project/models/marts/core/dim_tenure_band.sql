-- Tenure bands from the (spell) hire date, in whole days since hire (hire day = day 0).
-- Month boundaries use fixed day counts: 3 months = 90 days, 6 months = 183, 1 year = 365,
-- 2 years = 730. max_days is inclusive; null = open.
select
    '<30d' as tenure_band,
    0 as min_days,
    29 as max_days,
    1 as sort_order,
    'tenure_lt_30d' as kpi_column

union all

select
    '30-90d' as tenure_band,
    30 as min_days,
    89 as max_days,
    2 as sort_order,
    'tenure_30_90d' as kpi_column

union all

select
    '3-6m' as tenure_band,
    90 as min_days,
    182 as max_days,
    3 as sort_order,
    'tenure_3_6m' as kpi_column

union all

select
    '6-12m' as tenure_band,
    183 as min_days,
    364 as max_days,
    4 as sort_order,
    'tenure_6_12m' as kpi_column

union all

select
    '1-2y' as tenure_band,
    365 as min_days,
    729 as max_days,
    5 as sort_order,
    'tenure_1_2y' as kpi_column

union all

select
    '2y+' as tenure_band,
    730 as min_days,
    cast(null as integer) as max_days,
    6 as sort_order,
    'tenure_2y_plus' as kpi_column
