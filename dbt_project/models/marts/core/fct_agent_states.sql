{{
    config(
        materialized=incremental_materialization(),
        unique_key=['agent_login', 'started_at'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- One row per CTI agent-state interval, attributed to the local date it starts on. The login is
-- mapped to the employee valid that day ('-1' and is_login_orphan when unmapped).
with states as (
    select * from {{ ref('stg_telephony__agent_states') }}
    {{ incremental_window() }}
),

dated as (
    select
        *,
        cast(started_at_local as date) as state_date
    from states
)

select
    {{ surrogate_key(['dated.agent_login', 'dated.started_at']) }} as agent_state_sk,
    dated.agent_login,
    dated.started_at,
    dated.ended_at,
    dated.state_date,
    cast({{ dbt.date_trunc('month', 'dated.state_date') }} as date) as state_month,
    dated.state,
    dated.reason_code,
    login.employee_id is null as is_login_orphan,
    {{ service_employee_columns('employee') }},
    {{ service_seconds_between(
        'dated.started_at', 'dated.ended_at'
    ) }} as duration_s,
    dated._business_date
from dated
{{ service_join_login('login', 'dated.agent_login', 'dated.state_date') }}
{{ service_join_employee('employee', 'login.employee_id', 'dated.state_date') }}
