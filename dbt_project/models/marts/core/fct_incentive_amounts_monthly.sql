-- Incentive amounts aggregated per month x incentive_type x quality_linked over the whole
-- centre. Amounts are published only when the group has >= 5 distinct recipients (else null,
-- is_suppressed = true); recipients is always shown.
with

incentives as (
    select * from {{ ref('stg_hr__incentives') }}
),

grouped as (
    select
        period_month_start as period_month,
        incentive_type,
        coalesce(is_quality_linked, false) as is_quality_linked,
        count(distinct employee_id) as recipients,
        sum(amount_cny) as total_amount_cny
    from incentives
    group by period_month_start, incentive_type, coalesce(is_quality_linked, false)
)

select
    {{ surrogate_key(['period_month', 'incentive_type', 'is_quality_linked']) }} as incentive_amount_key,
    period_month,
    incentive_type,
    is_quality_linked,
    recipients,
    coalesce(recipients < 5, false) as is_suppressed,
    case when recipients >= 5 then total_amount_cny end as total_amount_cny,
    case when recipients >= 5 then total_amount_cny / recipients end as avg_amount_cny
from grouped
