-- CreateTable
CREATE TABLE "Resource" (
    "id" SERIAL NOT NULL,
    "tenantId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "attributes" JSONB NOT NULL DEFAULT '{}',
    "parentId" INTEGER,
    "source" TEXT NOT NULL,
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deletedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Resource_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ResourceIp" (
    "id" BIGSERIAL NOT NULL,
    "tenantId" INTEGER NOT NULL,
    "vpcId" INTEGER NOT NULL DEFAULT 0,
    "ip" TEXT NOT NULL,
    "resourceId" INTEGER NOT NULL,
    "validFrom" TIMESTAMP(3) NOT NULL,
    "validTo" TIMESTAMP(3),

    CONSTRAINT "ResourceIp_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Resource_tenantId_kind_name_idx" ON "Resource"("tenantId", "kind", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Resource_tenantId_kind_externalId_key" ON "Resource"("tenantId", "kind", "externalId");

-- CreateIndex
CREATE INDEX "ResourceIp_tenantId_ip_idx" ON "ResourceIp"("tenantId", "ip");

-- CreateIndex
CREATE INDEX "ResourceIp_tenantId_resourceId_idx" ON "ResourceIp"("tenantId", "resourceId");

-- AddForeignKey
ALTER TABLE "Resource" ADD CONSTRAINT "Resource_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ResourceIp" ADD CONSTRAINT "ResourceIp_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- At most one open mapping of an IP to a resource: re-reporting an IP is idempotent (ON CONFLICT DO NOTHING).
CREATE UNIQUE INDEX "ResourceIp_open_key" ON "ResourceIp"("tenantId", "vpcId", "ip", "resourceId") WHERE "validTo" IS NULL;
