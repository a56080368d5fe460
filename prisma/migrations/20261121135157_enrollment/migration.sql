-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "enrolledAt" TIMESTAMP(3),
ADD COLUMN     "hostFacts" JSONB,
ADD COLUMN     "lastTokenAt" TIMESTAMP(3),
ADD COLUMN     "machineId" TEXT,
ADD COLUMN     "publicKey" TEXT,
ALTER COLUMN "secretHash" DROP NOT NULL;

-- CreateTable
CREATE TABLE "EnrollmentToken" (
    "id" TEXT NOT NULL,
    "tenantId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "groupId" TEXT,
    "prefix" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "maxUses" INTEGER,
    "uses" INTEGER NOT NULL DEFAULT 0,
    "revokedAt" TIMESTAMP(3),
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EnrollmentToken_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "EnrollmentToken_prefix_key" ON "EnrollmentToken"("prefix");

-- CreateIndex
CREATE INDEX "EnrollmentToken_tenantId_createdAt_idx" ON "EnrollmentToken"("tenantId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Agent_tenantId_machineId_key" ON "Agent"("tenantId", "machineId");

-- AddForeignKey
ALTER TABLE "EnrollmentToken" ADD CONSTRAINT "EnrollmentToken_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EnrollmentToken" ADD CONSTRAINT "EnrollmentToken_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "AgentGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EnrollmentToken" ADD CONSTRAINT "EnrollmentToken_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

