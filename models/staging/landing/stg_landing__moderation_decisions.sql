{{ staging_current('moderation_decisions') }}
