-- Ticket KPIs per local creation date, channel and category: the cohort of tickets created that
-- day (accumulating: resolved / reopened so far). Times are medians and p90 over the tickets
-- that reached the milestone (open tickets are censored, hence no mean).
with tickets as (
    select * from {{ ref('fct_tickets') }}
)

select
    created_date as date,
    channel,
    category,
    cast(count(*) as {{ dbt.type_bigint() }}) as created,
    {{ service_count_if('is_resolved') }} as resolved,
    {{ service_count_if('has_first_reply') }} as first_replied,
    cast({{ service_percentile('first_reply_min', 0.5) }} as double) as first_reply_median_min,
    cast({{ service_percentile('first_reply_min', 0.9) }} as double) as first_reply_p90_min,
    cast({{ service_percentile('first_reply_business_min', 0.5) }} as double) as first_reply_business_median_min,
    cast({{ service_percentile('first_reply_business_min', 0.9) }} as double) as first_reply_business_p90_min,
    cast({{ service_percentile('resolution_min', 0.5) }} as double) as resolution_median_min,
    cast({{ service_percentile('resolution_min', 0.9) }} as double) as resolution_p90_min,
    cast({{ service_percentile('resolution_business_min', 0.5) }} as double) as resolution_business_median_min,
    cast({{ service_percentile('resolution_business_min', 0.9) }} as double) as resolution_business_p90_min,
    {{ service_count_if('is_complaint') }} as complaints,
    {{ service_count_if('is_reopened') }} as reopened,
    {{ service_count_if('is_resolved or is_reopened') }} as ever_resolved,
    {{ service_ratio(service_count_if('is_reopened'), service_count_if('is_resolved or is_reopened')) }}
        as reopen_rate
from tickets
group by created_date, channel, category
