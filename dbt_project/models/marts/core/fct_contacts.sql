-- One row per handled contact: a handled call segment, a handled chat, or a ticket. The
-- complaint-rate denominator and the base of the repeat-contact FCR: a contact has a repeat
-- when the same known customer makes another contact (any channel, another episode) after it
-- and within 7 days. An episode groups what belongs to one customer request: the segments of
-- one call, and a ticket opened from a call / chat (origin_call_id / origin_chat_id).
with calls as (
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
        team_id
    from {{ ref('fct_call_segments') }}
    where is_handled
),

chats as (
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
        team_id
    from {{ ref('fct_chats') }}
    where is_handled
),

tickets as (
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
        team_id
    from {{ ref('fct_tickets') }}
),

contacts as (
    select * from calls
    union all
    select * from chats
    union all
    select * from tickets
),

repeats as (
    select
        base.contact_type,
        base.contact_id,
        base.segment_no,
        count(later.contact_id) as repeat_7d_contacts
    from contacts as base
    inner join contacts as later
        on base.customer_key = later.customer_key
            and base.episode_id <> later.episode_id
            and base.contact_at < later.contact_at
            and later.contact_at <= {{ dbt.dateadd('day', 7, 'base.contact_at') }}
    where base.customer_key <> '-1'
    group by base.contact_type, base.contact_id, base.segment_no
),

horizon as (
    select max(contact_at) as last_contact_at from contacts
)

select
    {{ surrogate_key(['contacts.contact_type', 'contacts.contact_id', 'contacts.segment_no']) }} as contact_sk,
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
    coalesce(coalesce(repeats.repeat_7d_contacts, 0) > 0, false) as has_repeat_7d,
    coalesce(repeats.repeat_7d_contacts, 0) as repeat_7d_contacts,
    case
        when contacts.contact_date > {{ dbt.dateadd('day', -7, dbt.last_day('contacts.contact_date', 'month')) }}
            then true
        else false
    end as is_in_month_last_7d,
    case
        when {{ dbt.dateadd('day', 7, 'contacts.contact_at') }} <= horizon.last_contact_at then true else false
    end as is_repeat_window_complete
from contacts
cross join horizon
left join repeats
    on contacts.contact_type = repeats.contact_type
        and contacts.contact_id = repeats.contact_id
        and coalesce(contacts.segment_no, -1) = coalesce(repeats.segment_no, -1)
