-- CreateTable
CREATE TABLE "Connector" (
    "id" TEXT NOT NULL,
    "tenantId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "config" JSONB NOT NULL DEFAULT '{}',
    "credentials" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "intervalSeconds" INTEGER NOT NULL DEFAULT 300,
    "lastRunAt" TIMESTAMP(3),
    "lastSuccessAt" TIMESTAMP(3),
    "lastError" TEXT,
    "lastCounts" JSONB NOT NULL DEFAULT '{}',
    "cursors" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Connector_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ResourceMember" (
    "id" BIGSERIAL NOT NULL,
    "tenantId" INTEGER NOT NULL,
    "serviceId" INTEGER NOT NULL,
    "memberKind" TEXT NOT NULL,
    "memberExternalId" TEXT NOT NULL,
    "source" TEXT NOT NULL,

    CONSTRAINT "ResourceMember_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Connector_tenantId_idx" ON "Connector"("tenantId");

-- CreateIndex
CREATE UNIQUE INDEX "Connector_tenantId_name_key" ON "Connector"("tenantId", "name");

-- CreateIndex
CREATE INDEX "ResourceMember_tenantId_memberKind_memberExternalId_idx" ON "ResourceMember"("tenantId", "memberKind", "memberExternalId");

-- CreateIndex
CREATE INDEX "ResourceMember_tenantId_source_idx" ON "ResourceMember"("tenantId", "source");

-- CreateIndex
CREATE UNIQUE INDEX "ResourceMember_tenantId_serviceId_memberKind_memberExternal_key" ON "ResourceMember"("tenantId", "serviceId", "memberKind", "memberExternalId");

-- CreateIndex
CREATE INDEX "Resource_tenantId_source_idx" ON "Resource"("tenantId", "source");

-- AddForeignKey
ALTER TABLE "Connector" ADD CONSTRAINT "Connector_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ResourceMember" ADD CONSTRAINT "ResourceMember_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

