#!/bin/sh
echo "prisma schema engine is not available offline: migrations are applied by the coordinator (npm run migrate)" >&2
exit 1
