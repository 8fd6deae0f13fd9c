"""One router per capability; each module defines ``build_router(ctx)``."""
