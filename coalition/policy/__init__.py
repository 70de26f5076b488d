"""Policy uptake: the instruments where the agenda lands, their stages, uptakes, engagements and followers."""
