{{ staging_current('moderators') }}
