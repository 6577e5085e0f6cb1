-- Receipts: every signing key's public half, current and retired, so receipts signed before a
-- key rotation still verify (each coordinator records its key at start).
CREATE TABLE "ReceiptKey" (
    "keyId" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL,
    "publicKeyPem" TEXT NOT NULL,
    "firstUsedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ReceiptKey_pkey" PRIMARY KEY ("keyId")
);
