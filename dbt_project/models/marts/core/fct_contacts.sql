{{
    config(
        materialized=incremental_materialization(),
        unique_key='contact_sk',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- One row per handled contact: a handled call segment, a handled chat, or a ticket. The
-- complaint-rate denominator and the base of the repeat-contact FCR: a contact has a repeat
-- when the same known customer makes another contact (any channel, another episode) after it
-- and within 7 days. An episode groups what belongs to one customer request: the segments of
-- one call, and a ticket opened from a call / chat (origin_call_id / origin_chat_id).
-- Incremental (DECISIONLOG, "fct_contacts is incremental"): a contact's repeat count changes
-- only when a contact of the same customer in the 7 days after it is new or moved, and its
-- window flag only while its 7 days run past the stored horizon. So a run recomputes every
-- contact from 7 days before the earliest such change (or the stored horizon) on, counting
-- repeats among them, and re-emits older contacts changed in the window (a ticket resolved
-- weeks later) with their stored repeat count. The result equals a full refresh.
-- sqlfluff:indentation:template_blocks_indent:false
{%- set contact_sk = surrogate_key(['contact_type', 'contact_id', 'segment_no']) %}
with calls as {{ cte_not_materialized() }} (
    select
        'call' as contact_type,
        call_id as contact_id,
        segment_no,
        'call:' || call_id as episode_id,
        coalesce(answered_at, enqueued_at) as contact_at,
        contact_date,
        contact_month,
        'phone' as channel,
        customer_key,
        customer_sk,
        employee_sk,
        employee_id,
        team_id,
        _business_date
    from {{ ref('fct_call_segments') }}
    where is_handled
),

chats as {{ cte_not_materialized() }} (
    select
        'chat' as contact_type,
        chat_id as contact_id,
        cast(null as {{ dbt.type_bigint() }}) as segment_no,
        'chat:' || chat_id as episode_id,
        requested_at as contact_at,
        contact_date,
        contact_month,
        'chat' as channel,
        customer_key,
        customer_sk,
        employee_sk,
        employee_id,
        team_id,
        _business_date
    from {{ ref('fct_chats') }}
    where is_handled
),

tickets as {{ cte_not_materialized() }} (
    select
        'ticket' as contact_type,
        ticket_id as contact_id,
        cast(null as {{ dbt.type_bigint() }}) as segment_no,
        case
            when origin_call_id is not null then 'call:' || origin_call_id
            when origin_chat_id is not null then 'chat:' || origin_chat_id
            else 'ticket:' || ticket_id
        end as episode_id,
        created_at as contact_at,
        created_date as contact_date,
        created_month as contact_month,
        channel,
        customer_key,
        customer_sk,
        employee_sk,
        employee_id,
        team_id,
        _business_date
    from {{ ref('fct_tickets') }}
),

contacts as {{ cte_not_materialized() }} (
    select * from calls
    union all
    select * from chats
    union all
    select * from tickets
),
{%- if is_incremental() %}

changed as (
    select
        {{ contact_sk }} as contact_sk,
        *
    from contacts
    {{ incremental_window() }}
),

stored as (
    -- the stored versions of the changed contacts
    select
        contact_sk,
        customer_key,
        episode_id,
        contact_at,
        repeat_7d_contacts
    from {{ this }}
    where contact_sk in (select changed.contact_sk from changed)
),

moved as (
    -- changed contacts that are new or whose customer, episode or time changed (new version)
    select changed.contact_at
    from changed
    left join stored
        on changed.contact_sk = stored.contact_sk
            and changed.customer_key is not distinct from stored.customer_key
            and changed.episode_id is not distinct from stored.episode_id
            and changed.contact_at is not distinct from stored.contact_at
    where stored.contact_sk is null
    union all
    -- ... and the stored version of those that moved
    select stored.contact_at
    from stored
    inner join changed
        on stored.contact_sk = changed.contact_sk
    where
        stored.customer_key is distinct from changed.customer_key
        or stored.episode_id is distinct from changed.episode_id
        or stored.contact_at is distinct from changed.contact_at
),

horizon_stored as (
    select max(contact_at) as last_contact_at from {{ this }}
),

scope as (
    select
        {{ dbt.dateadd('day', -7, 'least(min(moved.contact_at), max(horizon_stored.last_contact_at))') }} as from_at
    from moved
    cross join horizon_stored
),

recomputed as (
    select
        {{ contact_sk }} as contact_sk,
        contacts.*
    from contacts
    where contacts.contact_at >= (select scope.from_at from scope)
),

kept as (
    -- changed before the scope: its repeat window saw no change, so its stored count holds
    select
        changed.*,
        stored.repeat_7d_contacts
    from changed
    inner join stored
        on changed.contact_sk = stored.contact_sk
    where changed.contact_at < (select scope.from_at from scope)
),
{%- else %}

recomputed as (
    select
        {{ contact_sk }} as contact_sk,
        *
    from contacts
),
{%- endif %}

repeats as (
    select
        base.contact_sk,
        count(later.contact_id) as repeat_7d_contacts
    from recomputed as base
    inner join recomputed as later
        on base.customer_key = later.customer_key
            and base.episode_id <> later.episode_id
            and base.contact_at < later.contact_at
            and later.contact_at <= {{ dbt.dateadd('day', 7, 'base.contact_at') }}
    where base.customer_key <> '-1'
    group by base.contact_sk
),

counted as (
    select
        recomputed.*,
        coalesce(repeats.repeat_7d_contacts, 0) as repeat_7d_contacts
    from recomputed
    left join repeats
        on recomputed.contact_sk = repeats.contact_sk
    {%- if is_incremental() %}
    union all
    select * from kept
    {%- endif %}
),

horizon as (
    select max(contact_at) as last_contact_at from recomputed
)

select
    contacts.contact_sk,
    contacts.contact_type,
    contacts.contact_id,
    contacts.segment_no,
    contacts.episode_id,
    contacts.contact_at,
    contacts.contact_date,
    contacts.contact_month,
    contacts.channel,
    contacts.customer_key,
    contacts.customer_sk,
    contacts.employee_sk,
    contacts.employee_id,
    contacts.team_id,
    contacts.customer_key <> '-1' as has_known_customer,
    contacts.repeat_7d_contacts > 0 as has_repeat_7d,
    contacts.repeat_7d_contacts,
    case
        when contacts.contact_date > {{ dbt.dateadd('day', -7, dbt.last_day('contacts.contact_date', 'month')) }}
            then true
        else false
    end as is_in_month_last_7d,
    case
        when {{ dbt.dateadd('day', 7, 'contacts.contact_at') }} <= horizon.last_contact_at then true else false
    end as is_repeat_window_complete,
    contacts._business_date
from counted as contacts
cross join horizon
