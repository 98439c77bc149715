-- Contact channels as reported in the marts (a fixed domain list; chat sub-channels app / wechat
-- / web of crm.chat_sessions roll up to 'chat'; ticket channels as delivered).
with channels as (
    select
        channel_list.channel,
        channel_list.channel_group,
        channel_list.is_real_time,
        channel_list.sort_order
    from (
        values
        ('phone', 'voice', true, 1),
        ('chat', 'digital', true, 2),
        ('email', 'digital', false, 3),
        ('social', 'digital', false, 4),
        ('app', 'digital', false, 5),
        ('unknown', 'unknown', false, 99)
    ) as channel_list (channel, channel_group, is_real_time, sort_order)
)

select
    {{ surrogate_key(['channel']) }} as channel_sk,
    channel,
    channel_group,
    is_real_time,
    sort_order
from channels
