-- CTI login assignments seen in ANY delivered roster snapshot (history-bearing): one row per
-- (employee_id, agent_login, hire_date) with the deliveries that showed it. Feeds the login
-- validity map (logins are recycled when an agent leaves).
select
    employee_id,
    agent_login,
    hire_date,
    max(termination_date) as termination_date,
    min(_business_date) as first_seen_date,
    max(_business_date) as last_seen_date
from {{ source('hr', 'employees') }}
where agent_login is not null
group by employee_id, agent_login, hire_date
