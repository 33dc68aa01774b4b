{{ staging_current('policy_changes') }}
