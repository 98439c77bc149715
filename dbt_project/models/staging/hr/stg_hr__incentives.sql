-- Incentive payments (events): one row per key, the latest delivery wins. amount_cny is
-- sensitive: it is kept here only so core can publish aggregates over >= 5 recipients.
with

ranked as (
    select
        *,
        row_number() over (
            partition by employee_id, period_month, incentive_type
            order by _business_date desc, _manifest_generated_at desc, _line_no desc
        ) as delivery_rank
    from {{ source('hr', 'incentives') }}
)

select
    employee_id,
    period_month,
    {{ dbt.cast("period_month || '-01'", api.Column.translate_type('date')) }} as period_month_start,
    incentive_type,
    amount_cny,
    quality_linked as is_quality_linked,
    _business_date,
    _source_file,
    _load_id,
    _line_no
from ranked
where delivery_rank = 1
